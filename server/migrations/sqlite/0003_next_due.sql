-- The earlier of the next due meeting and call, so that "who is due" is one index range scan
-- (an OR over two columns sorts every overdue record of the agency).
ALTER TABLE contacts ADD COLUMN next_due TEXT;
UPDATE contacts SET next_due = CASE
    WHEN next_meeting_due IS NULL THEN next_call_due
    WHEN next_call_due IS NULL THEN next_meeting_due
    WHEN next_meeting_due < next_call_due THEN next_meeting_due
    ELSE next_call_due END;
CREATE INDEX contacts_next_due ON contacts (agency_id, next_due);
