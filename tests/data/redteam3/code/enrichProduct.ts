// catalog-enricher/src/enrichProduct.ts
import { predictConcepts } from './visionClient';

const APPAREL_MODEL = 'apparel-color-v2';

export async function enrichProduct(item: Product): Promise<Product> {
  if (!item.imageUrl) return item;
  const concepts = await predictConcepts(APPAREL_MODEL, item.imageUrl);
  const top = concepts.sort((a, b) => b.value - a.value)[0];
  // e.g. "navy", "black", "off white"
  return { ...item, dominantColor: top.name, colorConfidence: top.value };
}
