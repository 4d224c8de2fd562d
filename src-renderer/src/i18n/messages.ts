import { adminEn, adminFr } from './admin-messages.ts';

const base = {
  'lang.switch': 'Français',
  'kiosk.title': 'Sign in',
  'kiosk.instructions': 'Scan the code with your phone, then hold your badge to it — or tap your badge on the reader.',
  'kiosk.expiresIn': 'New code in {seconds} s',
  'kiosk.qrAlt': 'QR code to sign in on {kiosk}',
  'kiosk.offline': 'Connection lost — reconnecting…',
  'kiosk.renewing': 'Getting a new code…',
  'firstRun.title': 'Tap a badge to become the administrator',
  'firstRun.body': 'TapIn has no administrator yet. The first badge tapped on this kiosk’s reader becomes the administrator’s badge.',
  'reader.unavailable': 'Badge reader support not installed',
  'reader.no-service': 'Badge reader service unavailable',
  'reader.no-reader': 'Badge reader unplugged',
  'reader.ready': 'Badge reader ready',
  'reader.card-present': 'Reading badge…',
  'kiosk.rejected': 'Badge not accepted. {remaining} attempts left on this code.',
  'kiosk.signingIn': 'Signing you in…',
  'kiosk.unregistered.title': 'This kiosk is not registered',
  'kiosk.unregistered.body':
    'An administrator registers it with “npx tapin kiosk add --name NAME”, then opens this page once as /kiosk#key=<the key printed>.',
  'kiosk.error': 'Something went wrong. Starting again…',
  'dashboard.welcome': 'Welcome, {name}',
  'dashboard.role.user': 'User',
  'dashboard.role.admin': 'Administrator',
  'dashboard.lastLogin': 'Last login: {when} at {where}',
  'dashboard.lastLoginNowhere': 'Last login: {when}',
  'dashboard.firstLogin': 'This is your first login.',
  'dashboard.logout': 'Log out',
  'dashboard.idleWarning': 'Locking in {seconds} s — touch the screen or press a key to stay.',
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

const en = { ...base, ...adminEn };

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  ...adminFr,
  'lang.switch': 'English',
  'kiosk.title': 'Connexion',
  'kiosk.instructions': 'Scannez le code avec votre téléphone, puis approchez-y votre badge — ou posez votre badge sur le lecteur.',
  'kiosk.expiresIn': 'Nouveau code dans {seconds} s',
  'kiosk.qrAlt': 'QR code pour se connecter sur {kiosk}',
  'kiosk.offline': 'Connexion perdue — reconnexion…',
  'kiosk.renewing': 'Nouveau code en préparation…',
  'firstRun.title': 'Posez un badge pour devenir administrateur',
  'firstRun.body': 'TapIn n’a pas encore d’administrateur. Le premier badge posé sur le lecteur de cette borne devient celui de l’administrateur.',
  'reader.unavailable': 'Lecteur de badges non pris en charge',
  'reader.no-service': 'Service du lecteur de badges indisponible',
  'reader.no-reader': 'Lecteur de badges débranché',
  'reader.ready': 'Lecteur de badges prêt',
  'reader.card-present': 'Lecture du badge…',
  'kiosk.rejected': 'Badge refusé. Encore {remaining} essais avec ce code.',
  'kiosk.signingIn': 'Connexion en cours…',
  'kiosk.unregistered.title': 'Cette borne n’est pas enregistrée',
  'kiosk.unregistered.body':
    'Un administrateur l’enregistre avec « npx tapin kiosk add --name NOM », puis ouvre cette page une fois en /kiosk#key=<la clé affichée>.',
  'kiosk.error': 'Un problème est survenu. Nouvel essai…',
  'dashboard.welcome': 'Bienvenue, {name}',
  'dashboard.role.user': 'Utilisateur',
  'dashboard.role.admin': 'Administrateur',
  'dashboard.lastLogin': 'Dernière connexion : {when} sur {where}',
  'dashboard.lastLoginNowhere': 'Dernière connexion : {when}',
  'dashboard.firstLogin': 'C’est votre première connexion.',
  'dashboard.logout': 'Se déconnecter',
  'dashboard.idleWarning': 'Verrouillage dans {seconds} s — touchez l’écran ou une touche pour rester.',
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

export type Language = 'en' | 'fr';
export const messages: Record<Language, Record<MessageKey, string>> = { en, fr };

/** The language a browser asks for, among the two TapIn speaks. */
export function preferredLanguage(languages: readonly string[]): Language {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'fr' || base === 'en') return base;
  }
  return 'en';
}

export function format(template: string, values: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in values ? String(values[name]) : match));
}
