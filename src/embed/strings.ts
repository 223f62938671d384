// Owns every word the embed shows, per language, in one place. To add a
// language, copy the `en` block, translate it and add its code to LANGUAGES:
// the type makes a missing string a compile error.

import type { ZoetropeErrorName } from '../shared/errors';

export const LANGUAGES = ['en', 'it'] as const;
export type Language = (typeof LANGUAGES)[number];

const en = {
  title: 'Zoetrope video generator',
  prompt: 'Prompt',
  promptPlaceholder: 'a red circle moving left on a blue background',
  seed: 'Seed',
  steps: 'Steps',
  guidance: 'Guidance',
  generate: 'Generate video',
  cancel: 'Cancel',
  install: 'Install model',
  typePrompt: 'Type a prompt first.',
  notReady: 'The model is not ready yet.',
  checking: 'Checking the model…',
  needsInstall: (name: string, size: string) => `${name} is not installed in this browser yet (${size}).`,
  installing: (done: string, total: string) => `Downloading the model: ${done} of ${total}`,
  loading: 'Loading the model…',
  ready: (name: string, backend: string) => `${name} is ready (${backend}).`,
  failed: 'The model could not be started.',
  queued: (n: number) => (n === 1 ? '1 request waiting' : `${n} requests waiting`),
  phase: {
    queued: 'Waiting for the previous request…',
    install: 'Installing the model…',
    load: 'Loading the model…',
    text: 'Reading the prompt…',
    denoise: (step: number, steps: number) => `Step ${step} of ${steps}`,
    decode: 'Decoding the frames…',
    frames: 'Turning the result into frames…',
    encode: 'Encoding the video…',
    done: 'Done',
  },
  progressLabel: 'Video generation',
  download: 'Download MP4',
  resultLabel: 'Generated video',
  resultFacts: (w: number, h: number, frames: number, seed: number) => `${w}×${h}, ${frames} frames, seed ${seed}`,
  details: 'Details',
  dismiss: 'Dismiss',
  privacy: 'Runs entirely in this browser: the prompt never leaves this device.',
  openInTab: 'Open Zoetrope in its own tab',
  /** Sentences that differ from the main app's (src/lib/error-messages.ts) or are translated. */
  errors: {
    StorageUnavailableError: [
      'This browser does not let Zoetrope store its model inside this page.',
      'Open Zoetrope in its own tab (link below), or allow third-party site data for it in the browser settings, then reload.',
    ],
  } as Partial<Record<ZoetropeErrorName, [string, string]>>,
};

export type Strings = typeof en;

const it: Strings = {
  title: 'Generatore di video Zoetrope',
  prompt: 'Descrizione',
  promptPlaceholder: 'un cerchio rosso che si muove a sinistra su sfondo blu',
  seed: 'Seme',
  steps: 'Passi',
  guidance: 'Guida',
  generate: 'Genera il video',
  cancel: 'Annulla',
  install: 'Installa il modello',
  typePrompt: 'Scrivi prima una descrizione.',
  notReady: 'Il modello non è ancora pronto.',
  checking: 'Controllo del modello…',
  needsInstall: (name, size) => `${name} non è ancora installato in questo browser (${size}).`,
  installing: (done, total) => `Scaricamento del modello: ${done} di ${total}`,
  loading: 'Caricamento del modello…',
  ready: (name, backend) => `${name} è pronto (${backend}).`,
  failed: 'Non è stato possibile avviare il modello.',
  queued: (n) => (n === 1 ? '1 richiesta in attesa' : `${n} richieste in attesa`),
  phase: {
    queued: 'In attesa della richiesta precedente…',
    install: 'Installazione del modello…',
    load: 'Caricamento del modello…',
    text: 'Lettura della descrizione…',
    denoise: (step, steps) => `Passo ${step} di ${steps}`,
    decode: 'Decodifica dei fotogrammi…',
    frames: 'Trasformazione del risultato in fotogrammi…',
    encode: 'Codifica del video…',
    done: 'Fatto',
  },
  progressLabel: 'Generazione del video',
  download: 'Scarica MP4',
  resultLabel: 'Video generato',
  resultFacts: (w, h, frames, seed) => `${w}×${h}, ${frames} fotogrammi, seme ${seed}`,
  details: 'Dettagli',
  dismiss: 'Chiudi',
  privacy: 'Funziona interamente in questo browser: la descrizione non lascia mai questo dispositivo.',
  // The embed's most likely failures, in Italian; the rest fall back to English.
  openInTab: 'Apri Zoetrope in una scheda a sé',
  errors: {
    StorageUnavailableError: [
      'Questo browser non permette a Zoetrope di salvare il modello dentro questa pagina.',
      'Apri Zoetrope in una scheda a sé (link qui sotto), oppure consenti i dati di siti di terze parti nelle impostazioni del browser, poi ricarica.',
    ],
    ModelNotFoundError: ['Il modello non è stato trovato.', "Controlla l'indirizzo del modello (parametro model)."],
    ModelNotInstalledError: ['Il modello non è installato in questo browser.', 'Premi "Installa il modello".'],
    DownloadError: ['Lo scaricamento del modello si è interrotto.', 'Controlla la connessione e premi "Installa il modello" per riprendere.'],
    IntegrityError: ['Una parte del modello è arrivata danneggiata e non è stata salvata.', 'Premi "Installa il modello" per riprovare.'],
    StorageQuotaError: ['Non c\'è abbastanza spazio per il modello.', 'Libera spazio nel browser, poi installa di nuovo.'],
    OptionsError: ['Una delle impostazioni non è valida.', 'Correggi il campo indicato sotto e premi di nuovo "Genera il video".'],
    EncoderUnavailableError: ['Questo browser non sa creare un video MP4.', 'Usa un Chrome, Edge o altro browser recente con WebCodecs.'],
    EngineCrashedError: ['Il motore si è fermato all\'improvviso.', 'Premi di nuovo "Genera il video": il modello verrà ricaricato.'],
    DeviceLostError: ['La GPU si è azzerata a metà del video, che non è stato finito.', 'Il modello è stato ricaricato: premi di nuovo "Genera il video".'],
    AbortError: ['Annullato.', 'Premi "Genera il video" quando vuoi.'],
  },
};

const ALL: Record<Language, Strings> = { en, it };

export function parseLanguage(value: string | null): Language | null {
  if (value === null) return null;
  const code = value.trim().toLowerCase().split('-')[0] ?? '';
  return (LANGUAGES as readonly string[]).includes(code) ? (code as Language) : null;
}

export function stringsFor(language: Language): Strings {
  return ALL[language];
}
