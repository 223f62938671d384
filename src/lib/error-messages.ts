// Owns what people read when something fails: one plain sentence for what
// happened and one for what to do next, chosen by the error's stable name.

import type { ZoetropeError, ZoetropeErrorName } from '../shared/errors';
import { formatBytes } from './format';

export interface FriendlyError {
  title: string;
  next: string;
  detail: string;
}

const NEXT: Record<ZoetropeErrorName, [string, string]> = {
  ManifestError: ['The model pack is malformed.', 'Ask whoever published the pack to rebuild it with `npm run pack-model`; the detail names the faulty field.'],
  ModelNotFoundError: ['The model was not found.', 'Check the model address in the page address (?model=…), or remove it to use the built-in model.'],
  ModelNotInstalledError: ['The model is not (or no longer) installed in this browser.', 'Install it again with the "Install model" button.'],
  DownloadError: ['The model download stopped.', 'Check your connection and press "Install model" to resume; finished pieces are kept.'],
  IntegrityError: ['A piece of the model arrived damaged, so it was not kept.', 'Press "Install model" to try again. If it keeps failing, the pack on the server is damaged.'],
  StorageQuotaError: ['There is not enough storage for the model.', 'Free some space (remove other site data or models), or use a browser profile with more room, then install again.'],
  StorageEvictedError: ['The browser deleted this site\'s stored models to free up space.', 'Download the model again (or import its .zoepack) from the Model library, and press "Keep storage" there so the browser keeps it next time.'],
  PackFileError: ['This .zoepack file cannot be used, so nothing from it was installed.', 'Copy the file again from where it came from (it may be cut short or altered), or export it again from a browser that has the model.'],
  StorageUnavailableError: ['This browser will not let the site store data.', 'Leave private browsing, or allow site data for this page, then reload.'],
  WebGPUUnavailableError: ['WebGPU is not available here.', 'Choose "Automatic" or "WASM" as the backend; both work without a GPU.'],
  BackendError: ['The model could not run on this backend.', 'Try the other backend in Settings, or reload the page.'],
  DeviceLostError: ['The GPU was reset in the middle of the video, so this video was not finished.', 'The model has been loaded again: press Generate to make it again. If it keeps happening, choose WASM in Settings.'],
  OutOfMemoryError: ['The model does not fit in the memory this backend has here, so it was not loaded.', 'Choose WebGPU in Settings if this device has a GPU, close other tabs, or use a smaller model. Nothing was changed: the model is still installed.'],
  UnsupportedModelError: ['This model needs something this version of Zoetrope cannot do.', 'Use a model pack made for this version, or update Zoetrope.'],
  OptionsError: ['One of the settings is not valid.', 'Fix the field named below and press Generate again.'],
  EncoderUnavailableError: ['This browser cannot make an MP4 video.', 'Use a recent Chrome, Edge or another browser with WebCodecs.'],
  EngineStalledError: ['Loading the model stopped making progress, twice, so it was stopped.', 'Reload the page to try again: the model is still installed and nothing was lost. If it keeps stalling, close other tabs, or use Zoetrope in another browser (Chrome or Edge).'],
  EngineCrashedError: ['The engine stopped unexpectedly (the tab may have run out of memory).', 'Press Generate again; the model will be loaded again.'],
  AbortError: ['Cancelled.', 'Press Generate when you are ready.'],
  LessonFileError: ['This lesson file cannot be used, so nothing was imported.', 'Check the field named below, or export the lesson again from Zoetrope.'],
  NotZoetropeVideoError: ['This video was not made by Zoetrope (or its settings were removed), so it cannot be remixed.', 'Drop an MP4 that Zoetrope made and that was not re-encoded by another program.'],
  MicrophoneDeniedError: ['The browser was not allowed to use the microphone, so nothing was recorded.', 'Allow the microphone for this site (the camera or lock icon beside the address), then press Record again. Or pick an audio file instead.'],
  MicrophoneUnavailableError: ['No microphone could be used, so nothing was recorded.', 'Plug in or switch on a microphone (and close other programs using it), then press Record again. Or pick an audio file instead.'],
  AudioFileError: ['This audio file cannot be used, so nothing was kept.', 'Pick a WAV, MP3, M4A or Ogg file of at most a minute, or record the narration instead.'],
  ProtocolError: ['The embedding page sent a message Zoetrope does not understand.', 'Whoever runs the page should check the message against the protocol in README.md ("Embedding"); the detail names the field.'],
};

export function friendlyError(error: ZoetropeError): FriendlyError {
  let [title, next] = NEXT[error.name];
  if (error.name === 'ModelNotFoundError' && error.details['builtIn'] === true) {
    title = 'The built-in model was not found.';
    next = 'This copy of Zoetrope has no built-in model pack yet. Build it (see "Build the built-in model" in README.md) and restart the app, or open another pack with ?model=<manifest URL>.';
  }
  if (error.name === 'StorageUnavailableError' && error.details['framed'] === false) {
    next += ' Or open a .zoepack file below to use a model in this page only, without storing it.';
  }
  if (error.name === 'WebGPUUnavailableError' && error.details['webgpu'] === 'required') {
    title = 'This model needs a GPU, and none suitable was found here.';
    next = 'Use a device with a hardware GPU and a browser with WebGPU. To try it on the CPU anyway (very slow, and it may not fit in memory), choose WASM in Settings.';
  }
  if (error.name === 'OutOfMemoryError' && error.details['phase'] === 'run') {
    title = 'The model loaded, but making this video needed more memory than this backend has here.';
    next = 'Choose WebGPU in Settings if this device has a GPU, close other tabs, or use a pack made for fewer frames or a smaller size. Nothing was changed: the model is still installed.';
  }
  if (error.name === 'MicrophoneUnavailableError' && error.details['reason'] === 'silent') {
    title = 'The recording was silent, so it was not kept.';
    next = 'Check that the microphone is not muted and is the one the browser uses (the camera or lock icon beside the address), then record again.';
  }
  if (error.name === 'StorageQuotaError' && error.details['what'] === 'audio') {
    title = 'There is not enough storage to keep this narration, so it was not kept.';
    next = 'Free some space (delete old gallery videos, lessons or models), then record or pick the file again.';
  }
  if (error.name === 'IntegrityError' && error.details['origin'] === 'zoepack') {
    title = 'This .zoepack file is damaged, so its model was not used.';
    next = 'Copy the file again from where it came from (it may be cut short or altered), or export it again from a browser that has the model.';
  }
  if (error.name === 'DownloadError' && error.details['blockedByPolicy'] === true) {
    const origin = String(error.details['origin']);
    const permission = error.details['permission'];
    if (permission === 'allowable') {
      title = `Zoetrope does not download from ${origin} yet.`;
      next = 'Allow this host when Zoetrope asks (adding the model by its address in the Model library asks too), or import the model as a .zoepack file.';
    } else if (permission === 'stored') {
      title = `You allowed ${origin}, but this page does not include it yet.`;
      next = "Reload the page normally (not a forced reload): Zoetrope's service worker adds it as the page loads. If this stays, this browser is not running the service worker here; import the model as a .zoepack file instead.";
    } else {
      title = `This site does not download models from ${origin}.`;
      next = 'Only https hosts can be allowed. The publisher of this copy chose any other hosts it may download from (ZOETROPE_CSP_CONNECT, see README.md "Privacy"). Or import the model as a .zoepack file in the Model library.';
    }
  } else if (error.name === 'DownloadError' && error.details['status'] === 404) {
    title = 'A piece of the model is missing on the server.';
    next = 'The pack on the server is incomplete, so trying again will not help: tell whoever publishes it. Pieces already downloaded are kept.';
  } else if (error.name === 'DownloadError' && (error.details['status'] === 429 || error.details['status'] === 503)) {
    title = 'The server is too busy to send the model now.';
    next = 'Wait a minute, then press "Install model" to go on from where it stopped; finished pieces are kept.';
  }
  let detail = error.message;
  if (error.name === 'StorageQuotaError' && typeof error.details['needed'] === 'number') {
    const free = error.details['free'];
    const freeText = typeof free === 'number' ? formatBytes(free) : 'unknown';
    detail = error.details['refused']
      ? `Needed: ${formatBytes(error.details['needed'])}. Free: the browser reported ${freeText}, but refused to store more.`
      : `Needed: ${formatBytes(error.details['needed'])}. Free: ${freeText}.`;
  }
  return { title, next, detail };
}
