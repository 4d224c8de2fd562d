import { contextBridge } from 'electron';

// The renderer gets a few named functions and nothing else; the kiosk bridge fills this in.
contextBridge.exposeInMainWorld('tapin', Object.freeze({ platform: 'electron' as const }));
