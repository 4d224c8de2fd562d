import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

/**
 * The login code as an image. The previous code stays up until the next one is drawn, and the box
 * has a fixed size, so a renewal never blanks or shifts the screen.
 */
export function QrCode({ payload, label }: { payload: string; label: string }) {
  const [image, setImage] = useState<string>();
  useEffect(() => {
    let current = true;
    void QRCode.toDataURL(payload, { errorCorrectionLevel: 'M', margin: 2, width: 640, color: { dark: '#0b1220', light: '#ffffff' } }).then((url) => {
      if (current) setImage(url);
    });
    return () => {
      current = false;
    };
  }, [payload]);
  return <div className="qr-box">{image && <img className="qr-image" src={image} alt={label} data-payload-length={payload.length} />}</div>;
}
