// Skin tone modifiers for emoji (Fitzpatrick scale, U+1F3FB..U+1F3FF)
const SKIN_TONES = ['\u{1F3FB}', '\u{1F3FC}', '\u{1F3FD}', '\u{1F3FE}', '\u{1F3FF}'];

export function withSkinTone(baseEmoji, toneIndex) {
  if (toneIndex < 0 || toneIndex >= SKIN_TONES.length) return baseEmoji;
  return baseEmoji + SKIN_TONES[toneIndex];
}
