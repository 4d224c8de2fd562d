import { commonEn, commonFr, type Messages } from './messages.ts';

// The phone page's strings, and nothing else: it downloads no other page's.
export const phoneEn = {
  'phone.title': 'TapIn',
  'phone.checking': 'Checking the code…',
  'phone.confirm': 'Unlock {kiosk}?',
  'phone.confirmAt': 'Unlock {kiosk} — {location}?',
  'phone.confirmHint': 'Only continue if this is the screen in front of you.',
  'phone.cancel': 'Cancel',
  'phone.continue': 'Unlock',
  'phone.cancelled': 'Cancelled. Nothing was unlocked.',
  'phone.hold': 'Hold your badge to the back of your phone.',
  'phone.validating': 'Unlocking…',
  'phone.success': 'Done, {name}: {kiosk} is unlocking.',
  'phone.expired': 'This code has expired. Scan the new code on the kiosk.',
  'phone.rejected': 'This badge was not accepted.',
  'phone.used': 'This code has already been used. Scan the new code on the kiosk.',
  'phone.rateLimited': 'Too many attempts. Wait a minute, then try again.',
  'phone.network': 'No connection to TapIn. Check your network and try again.',
  'phone.notFound': 'This code is not valid. Scan the code on the kiosk again.',
  'phone.noToken': 'Open this page by scanning the code on a kiosk.',
  'phone.noNfc': 'This phone or browser cannot read NFC badges (Web NFC needs Chrome on Android). Tap your badge on the kiosk’s desk reader instead.',
  'phone.nfcDenied': 'Reading badges was not allowed. Allow NFC for this page and try again.',
  'phone.demoBadges': 'Demo mode: use a demo badge',
  'phone.tryAgain': 'Try again',
} as const;

const phoneFr: Record<keyof typeof phoneEn, string> = {
  'phone.title': 'TapIn',
  'phone.checking': 'Vérification du code…',
  'phone.confirm': 'Déverrouiller {kiosk} ?',
  'phone.confirmAt': 'Déverrouiller {kiosk} — {location} ?',
  'phone.confirmHint': 'Ne continuez que s’il s’agit de l’écran devant vous.',
  'phone.cancel': 'Annuler',
  'phone.continue': 'Déverrouiller',
  'phone.cancelled': 'Annulé. Rien n’a été déverrouillé.',
  'phone.hold': 'Approchez votre badge du dos de votre téléphone.',
  'phone.validating': 'Déverrouillage…',
  'phone.success': 'C’est fait, {name} : {kiosk} se déverrouille.',
  'phone.expired': 'Ce code a expiré. Scannez le nouveau code sur la borne.',
  'phone.rejected': 'Ce badge n’a pas été accepté.',
  'phone.used': 'Ce code a déjà servi. Scannez le nouveau code sur la borne.',
  'phone.rateLimited': 'Trop d’essais. Attendez une minute puis réessayez.',
  'phone.network': 'Pas de connexion à TapIn. Vérifiez votre réseau et réessayez.',
  'phone.notFound': 'Ce code n’est pas valide. Scannez de nouveau le code de la borne.',
  'phone.noToken': 'Ouvrez cette page en scannant le code d’une borne.',
  'phone.noNfc': 'Ce téléphone ou ce navigateur ne lit pas les badges NFC (Web NFC demande Chrome sur Android). Posez plutôt votre badge sur le lecteur de la borne.',
  'phone.nfcDenied': 'La lecture des badges n’a pas été autorisée. Autorisez le NFC pour cette page et réessayez.',
  'phone.demoBadges': 'Mode démo : utilisez un badge de démonstration',
  'phone.tryAgain': 'Réessayer',
};

export const phoneMessages: Messages = { en: { ...commonEn, ...phoneEn }, fr: { ...commonFr, ...phoneFr } };
