DROP TABLE challenges;
DROP TABLE rate_limit_counters;
DROP TABLE outbox;
DROP TABLE notifications;
DROP TABLE membership_letters;
DROP TABLE membership_requests;
DROP TABLE presidencies;
DROP TABLE meetings;
ALTER TABLE assemblies DROP COLUMN contact_email;
