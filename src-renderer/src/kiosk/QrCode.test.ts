import jsQR from 'jsqr';
import { describe, expect, it } from 'vitest';
import { qrPath } from './QrCode.tsx';

const PAYLOAD = 'http://127.0.0.1:8787/m#t=AaIPc4JgdHuRcUmxwJyxP9JQDZmHUi7pMJWoQGgqzv0CXK47jDjeD3Y34GwZ9qkH';

/** The rectangles of a path (`M x y h w v1 h-w z`): x, y, width. */
const rectangles = (path: string) => [...path.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g)].map(([, x, y, width]) => [Number(x), Number(y), Number(width)] as const);

/** Paints the path as a camera would see it: black on white, `scale` pixels a module. */
function picture(path: string, size: number, scale = 4): Uint8ClampedArray {
  const side = size * scale;
  const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
  for (const [x, y, width] of rectangles(path)) {
    for (let row = y * scale; row < (y + 1) * scale; row++) {
      for (let col = x * scale; col < (x + width) * scale; col++) pixels.fill(0, (row * side + col) * 4, (row * side + col) * 4 + 3);
    }
  }
  return pixels;
}

describe('the QR code path', () => {
  it('draws a code a camera reads back as the payload, inside its quiet zone', () => {
    const { path, size } = qrPath(PAYLOAD);
    expect(jsQR(picture(path, size), size * 4, size * 4)?.data).toBe(PAYLOAD);
    // Nothing is drawn in the two modules around the code.
    for (const [x, y, width] of rectangles(path)) {
      expect(Math.min(x, y)).toBeGreaterThanOrEqual(2);
      expect(Math.max(x + width, y + 1)).toBeLessThanOrEqual(size - 2);
    }
  });

  it('draws each run of dark modules in a row as one rectangle', () => {
    const drawn = rectangles(qrPath(PAYLOAD).path);
    // No rectangle starts where another on its row ends: a run is never split.
    const ends = new Set(drawn.map(([x, y, width]) => `${x + width},${y}`));
    expect(drawn.filter(([x, y]) => ends.has(`${x},${y}`))).toEqual([]);
    expect(drawn.some(([, , width]) => width > 1)).toBe(true);
  });
});
