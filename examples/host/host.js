// The example host page's script. It imports the client module from the
// embed's own origin, frames embed.html (allowing this page's origin), and
// sends `generate` from its own form. Page parameters, all optional:
//   ?embed=<origin of the Zoetrope app>  (default http://127.0.0.1:4173)
//   ?model=&backend=&steps=&lang=&theme=&hide=  passed on to embed.html
const params = new URLSearchParams(location.search);
const embedOrigin = params.get('embed') ?? 'http://127.0.0.1:4173';
const { ZoetropeEmbed } = await import(`${embedOrigin}/embed/zoetrope-client.js`);

const src = new URL('/embed.html', embedOrigin);
src.searchParams.set('origins', location.origin);
for (const name of ['model', 'backend', 'steps', 'seed', 'guidance', 'lang', 'theme', 'hide']) {
  const value = params.get(name);
  if (value !== null) src.searchParams.set(name, value);
}

const $ = (id) => document.getElementById(id);
$('host-origin').textContent = location.origin;
$('embed-origin').textContent = embedOrigin;
const zoetrope = ZoetropeEmbed.create($('frame-slot'), src);
const log = (text) => $('host-log').insertAdjacentHTML('beforeend', `<li>${text.replace(/[<&]/g, (c) => `&#${c.charCodeAt(0)};`)}</li>`);

let job = null;
const ready = await zoetrope.ready();
log(`ready: version ${ready.version}, ${ready.backend}, models ${ready.models.join(', ')}`);
$('host-state').textContent = `The frame is ready (${ready.backend}).`;
$('host-generate').disabled = false;

$('host-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (job) return;
  job = new AbortController();
  $('host-generate').disabled = true;
  $('host-cancel').disabled = false;
  const started = performance.now();
  try {
    const video = await zoetrope.generate(
      { prompt: $('host-prompt').value, ...(params.has('steps') ? { steps: Number(params.get('steps')) } : {}) },
      { signal: job.signal, onProgress: (p) => ($('host-progress').value = p.fraction) },
    );
    // From posting `generate` to receiving `result`, as this page saw it.
    const ms = Math.round(performance.now() - started);
    const player = $('host-video');
    player.src = URL.createObjectURL(new Blob([video.mp4], { type: video.mimeType.split(';')[0] }));
    player.hidden = false;
    player.dataset.ms = String(ms);
    player.dataset.bytes = String(video.mp4.byteLength);
    player.dataset.frames = String(video.frames);
    player.dataset.backend = video.backend;
    log(`result: ${video.width}×${video.height}, ${video.frames} frames, seed ${video.seed}, ${video.model}, ${video.backend}, ${ms} ms`);
    $('host-state').textContent = `Got a ${video.mp4.byteLength}-byte MP4 in ${ms} ms.`;
  } catch (error) {
    log(`error: ${error.name}: ${error.message}`);
    $('host-state').textContent = error.name === 'AbortError' ? 'Cancelled.' : `${error.name}: ${error.message}`;
  } finally {
    job = null;
    $('host-generate').disabled = false;
    $('host-cancel').disabled = true;
  }
});
$('host-cancel').addEventListener('click', () => job?.abort());
