/**
 * Who a campaign goes to. A segment selects the tenant's contacts by tag: `{}` is every contact,
 * `{tags: ["vip", "sydney"]}` those with any of the tags (`tagsMatch: "all"` → those with every tag).
 * Tags are compared as the Ingestor stores them (trimmed; case as imported).
 */
import { z } from 'zod';

export const segmentSchema = z
  .strictObject({
    tags: z.array(z.string().trim().min(1).max(100)).max(50).optional(),
    tagsMatch: z.enum(['any', 'all']).optional(),
  })
  .transform((s) => {
    const tags = s.tags === undefined ? undefined : [...new Set(s.tags)];
    return tags === undefined || tags.length === 0 ? {} : { tags, tagsMatch: s.tagsMatch ?? 'any' };
  });

export type Segment = z.output<typeof segmentSchema>;

/** A stored segment (jsonb) read back. One that does not parse throws: widening it to "every contact" would text people nobody chose. */
export function readSegment(stored: unknown): Segment {
  return segmentSchema.parse(stored ?? {});
}
