-- broker.offers: one key to the form's lender row instead of one to the form and one to the
-- lender. Every offer recorded checked both; the lender's key locked one of three rows that all
-- of a batch's offers and every other writer share (FOR KEY SHARE by concurrent transactions:
-- multixacts on a hot row). The row of (form, lender) is the one the same statement has just
-- updated (broker.record_answers), and the key now also says what the two did not: an offer
-- comes from a lender the form was sent to. bench/broker, session 9 (bench/RESULTS.md): buffers
-- an offer in broker.record_answers 26.8 -> 21.4.
ALTER TABLE broker.offers
  DROP CONSTRAINT offers_form_id_fkey,
  DROP CONSTRAINT offers_lender_id_fkey,
  ADD CONSTRAINT offers_form_lender_fkey FOREIGN KEY (form_id, lender_id)
    REFERENCES broker.form_lenders (form_id, lender_id);

-- Two indexes led by form_id (get_offers' order by cost; the dashboard funnel's signed_at) become
-- one that serves both, index-only for the funnel: one index less for each offer written.
DROP INDEX broker.offers_form_idx;
DROP INDEX broker.offers_funnel_idx;
CREATE INDEX offers_form_cost_idx ON broker.offers (form_id, total_cost) INCLUDE (signed_at);
