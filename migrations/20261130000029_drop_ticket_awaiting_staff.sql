-- response_due_at says everything awaiting_staff_since did: it is set while
-- a ticket waits on staff and cleared by a staff reply. Keeping both was
-- derived state that could disagree; the due time is the one anything reads.
alter table ticket drop column awaiting_staff_since;
