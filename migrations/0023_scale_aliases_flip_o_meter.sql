ALTER TABLE "imports" ADD COLUMN "options" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
-- `barely-true` is the Truth-O-Meter's former name of Mostly False (PolitiFact renamed it in 2011).
UPDATE "rating_scales" SET "values" = (
  SELECT jsonb_agg(CASE WHEN v->>'key' = 'mostly-false' THEN v || '{"aliases": ["barely-true"]}'::jsonb ELSE v END ORDER BY i)
  FROM jsonb_array_elements("values") WITH ORDINALITY AS e(v, i)
), "version" = "version" + 1, "updated_at" = now()
WHERE "slug" = 'truth-o-meter' AND "built_in";--> statement-breakpoint
-- PolitiFact's Flip-O-Meter rates whether a politician changed position, not whether a claim is true: its values
-- have no verdict on the shared scale (`not-checkable`).
INSERT INTO "rating_scales" ("id", "slug", "name", "description", "built_in", "values") VALUES ('00000000-0000-7000-8000-000000000004', 'flip-o-meter', 'PolitiFact Flip-O-Meter', 'PolitiFact''s rating of whether an official changed position on an issue: No Flip, Half Flip, Full Flop.', true, '[{"key": "no-flip", "label": "No Flip", "description": "No significant change in position.", "ratingValue": 3, "verdict": "not-checkable"}, {"key": "half-flip", "label": "Half Flip", "description": "A partial change in position.", "ratingValue": 2, "verdict": "not-checkable"}, {"key": "full-flop", "label": "Full Flop", "description": "A complete change in position.", "ratingValue": 1, "verdict": "not-checkable"}]'::jsonb)
ON CONFLICT ("slug") DO NOTHING;
