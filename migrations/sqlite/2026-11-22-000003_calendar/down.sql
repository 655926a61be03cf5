DROP TABLE joint_initiative_marks;
DROP TABLE calendar_events;
ALTER TABLE activities DROP COLUMN reported_status;
