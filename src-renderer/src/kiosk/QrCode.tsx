import QRCode from 'qrcode';
import { useMemo } from 'react';

const QUIET_ZONE = 2;

/**
 * One SVG path covering every dark module of the code: drawn in a frame, crisp at any size. Each run
 * of dark modules in a row is one rectangle (half as many as modules: less to build and to draw).
 */
export function qrPath(payload: string): { path: string; size: number } {
  // One byte-mode segment, which a URL with a mixed-case token comes to anyway: the library's search
  // for a cheaper mix of modes took 40 % of its time on a first load.
  const { modules } = QRCode.create([{ data: new TextEncoder().encode(payload), mode: 'byte' }], { errorCorrectionLevel: 'M' });
  const { size, data } = modules;
  let path = '';
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      path += `M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`;
    }
  }
  return { path, size: size + 2 * QUIET_ZONE };
}

/**
 * The login code, drawn synchronously as vector paths in a box of fixed size: a renewal replaces it
 * in the same frame, never blanking or shifting the screen.
 */
export function QrCode({ payload, label }: { payload: string; label: string }) {
  const { path, size } = useMemo(() => qrPath(payload), [payload]);
  return (
    <div className="qr-box">
      <svg className="qr-image" role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} shapeRendering="crispEdges">
        <rect width={size} height={size} fill="#ffffff" />
        <path d={path} fill="#0b1220" />
      </svg>
    </div>
  );
}
