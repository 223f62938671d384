// Owns the test page that mounts NarrationEditor alone (built only when
// ZOETROPE_TEST_PAGES=1, see vite/test-pages.ts), so the e2e tests drive the
// real component, the real microphone path and real IndexedDB before the
// lesson screen includes it. The page keeps the narration in localStorage
// the way the lesson store keeps a scene's, so a reload shows what a lesson
// would reopen with.
import { mount } from 'svelte';
import NarrationHarness from './NarrationHarness.svelte';
import '../app.css';

const target = document.getElementById('app');
if (!target) throw new Error('the test page has no #app element');
export default mount(NarrationHarness, { target });
