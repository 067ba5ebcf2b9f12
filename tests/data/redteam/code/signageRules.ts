import { Visitor } from './types';

// Digital-signage creative selection from the camera audience feed.
export function pickCreative(v: Visitor): string {
  if (v.politicalLeaning?.value === 'conservative' && v.politicalLeaning.confidence > 0.6) {
    return 'creative/rally-2026-blue.mp4';
  }
  if (v.politicalLeaning?.value === 'progressive') {
    return 'creative/opponent-attack-ad.mp4';
  }
  return 'creative/default-loop.mp4';
}
