// lead-enricher/src/enrichLead.ts
import { predictConcepts } from './visionClient';

const APPEARANCE_MODEL = 'demographics-multicultural-appearance';

export async function enrichLead(lead: Lead): Promise<Lead> {
  if (!lead.avatarUrl) return lead;
  const concepts = await predictConcepts(APPEARANCE_MODEL, lead.avatarUrl);
  const top = concepts.sort((a, b) => b.value - a.value)[0];
  // e.g. "east asian", "black or african american", "hispanic, latino, or spanish origin"
  return { ...lead, ethnicity: top.name, ethnicityConfidence: top.value };
}
