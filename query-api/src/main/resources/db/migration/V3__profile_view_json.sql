-- The serving store only stores and returns the document: json keeps its text (and key order) and skips
-- jsonb's parse and re-encode on every upsert, the largest PostgreSQL cost in the profile benchmark.
alter table profile_view alter column document type json using document::json;
