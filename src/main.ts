// Entry point of the page: mounts the Svelte app.
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
export default mount(App, { target });

// The documented test hook of the lesson's sound (src/lib/audio-test-hook.ts): only
// ?testhook=audio fetches its chunk, for tests/e2e/audio-track.spec.ts and scripts/bench-audio.mjs.
if (new URLSearchParams(location.search).get('testhook') === 'audio') void import('./lib/audio-test-hook').then((m) => m.install());
// The documented test hook of text-to-speech (src/lib/tts-test-hook.ts): only ?testhook=tts fetches its chunk, for tests/e2e/tts.spec.ts.
if (new URLSearchParams(location.search).get('testhook') === 'tts') void import('./lib/tts-test-hook').then((m) => m.install());
