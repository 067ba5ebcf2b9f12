// 肤色变体 emoji skin tone modifiers (Fitzpatrick 1-2 .. 6)
export const SKIN_TONES = ['\u{1F3FB}', '\u{1F3FC}', '\u{1F3FD}', '\u{1F3FE}', '\u{1F3FF}'];

export function withSkinTone(base: string, tone: number): string {
  if (tone < 1 || tone > 5) return base;
  return base + SKIN_TONES[tone - 1];
}

export const defaultSkinTone = Number(localStorage.getItem('emoji.skinTone') ?? 0);
