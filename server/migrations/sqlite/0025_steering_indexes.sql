-- Issue 10: the KPIs and the weekly targets read ranges of covering indexes instead of the
-- tables. Each index below serves one count, named beside it, and holds the columns that
-- count reads, so that twelve weeks or ninety days of an agency's work are one range scan.
-- A partial index carries the same condition as its query, and (SQLite) the columns of that
-- condition too: SQLite reads the table for any column its index lacks, even one the
-- condition fixes, so without them the ranges below were not read from the index alone.

-- Weekly targets, meetings booked.
CREATE INDEX meetings_booked ON meetings (agency_id, created_at, owner_id, deleted_at) WHERE deleted_at IS NULL;
-- Weekly targets, meetings held, and the KPI conversion meetings to clients.
CREATE INDEX meetings_held ON meetings (agency_id, starts_at, owner_id, contact_id, status, deleted_at)
    WHERE status = 'held' AND deleted_at IS NULL;
-- Weekly targets, calls made.
CREATE INDEX interactions_calls ON interactions (agency_id, at, author_id, kind) WHERE kind = 'call';
-- Weekly targets, closings and sales.
CREATE INDEX offer_prognosis_changes_agency_at ON offer_prognosis_changes (agency_id, at, offer_id, from_step, to_step);
-- Weekly targets, referrals collected.
DROP INDEX referrals_agency_at;
CREATE INDEX referrals_agency_at ON referrals (agency_id, at, advisor_id);
-- KPI mean response delay, call-backs.
CREATE INDEX tasks_call_backs_done ON tasks (agency_id, done_at, owner_id, created_at, source, deleted_at)
    WHERE source = 'call_back' AND deleted_at IS NULL;
-- KPI NPS.
CREATE INDEX visit_reports_scores ON visit_reports (agency_id, created_at, contact_id, recommend_score)
    WHERE recommend_score IS NOT NULL;
-- KPI retention and contact frequency: the clients and former clients of an agency.
CREATE INDEX contacts_clients ON contacts (agency_id, stage, owner_id, next_meeting_due, id, deleted_at)
    WHERE deleted_at IS NULL;
-- A record's stage at an instant (retention) and whether it became a client (conversion):
-- the index by record now carries the stage, so no row is read. The index by agency and
-- instant alone is a prefix of stage_transitions_agency_at_moves and goes.
DROP INDEX stage_transitions_contact;
CREATE INDEX stage_transitions_contact ON stage_transitions (contact_id, at, to_stage);
DROP INDEX stage_transitions_agency_at;
