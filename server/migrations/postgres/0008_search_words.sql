-- Search finds records by phone number (national digits), by "st"/"ste" for Saint/Sainte and
-- by arrondissement in Paris, Lyon and Marseille (shared::text::search_words). The word index
-- is emptied here; at start the server recomputes the words of every record without any
-- (db::sql backfill_terms). Never edit once released.
DELETE FROM contact_terms;
