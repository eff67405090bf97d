-- broker.forms_created_idx has the key of forms_funnel_idx (created_at, which also carries id and
-- status): every query by creation time can use the latter, and each form is written three times
-- (create, dispatch, close; none of them HOT: the dispatch changes an index predicate's column,
-- the close an indexed status), each time into every index.
DROP INDEX broker.forms_created_idx;

-- A lender's answer updates its form_lenders row (status, detail, answered_at: no index has
-- them). Room left on each page lets the update stay on it (HOT) instead of writing the row to
-- another page and a new primary-key entry: the three rows of a form are written together.
ALTER TABLE broker.form_lenders SET (fillfactor = 70);
