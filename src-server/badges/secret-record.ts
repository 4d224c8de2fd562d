/**
 * The NFC Forum external type of the NDEF record that carries a badge's secret (payload: the secret
 * in UTF-8). Written and read by the desk reader (reader/ndef.ts), read by the phone page through Web
 * NFC. No Node import: both sides use it.
 */
export const SECRET_RECORD_TYPE = 'tapin.dev:secret';
