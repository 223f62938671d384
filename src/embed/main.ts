// Entry point of embed.html: reads the URL options, applies theme and
// language to the document, and mounts the compact embed UI.
import { mount } from 'svelte';
import EmbedApp from './EmbedApp.svelte';
import { readEmbedOptions } from './embed-options';
import '../app.css';

const options = readEmbedOptions(location.search, __ZOETROPE_EMBED_ORIGINS__, navigator.language);
document.documentElement.lang = options.language;
if (options.theme !== 'auto') document.documentElement.dataset['theme'] = options.theme;

const target = document.getElementById('embed');
if (!target) throw new Error('embed.html has no #embed element');
export default mount(EmbedApp, { target, props: { options } });
