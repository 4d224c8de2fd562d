import QRCode from 'qrcode';
import { useMemo } from 'react';

const QUIET_ZONE = 2;

/** One SVG path covering every dark module of the code: drawn in a frame, crisp at any size. */
export function qrPath(payload: string): { path: string; size: number } {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  let path = '';
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (modules.data[row * modules.size + col]) path += `M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`;
    }
  }
  return { path, size: modules.size + 2 * QUIET_ZONE };
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
