// The static page `ganymede export` writes next to the model: loads it with TF.js in the browser and draws new
// digits from z ~ N(0, I) (optionally truncated) on a button press. No server needed: from disk it uses the
// embedded copy in model.js (browsers refuse fetch() on file://); over http it loads model.json as usual.

/** What the page needs to know about the exported network. */
export interface ExportMeta {
  family: string;
  network: string;
  step: number;
  latentDim: number;
  height: number;
  width: number;
  channels: number;
  /** How outputs map to pixels: tanh outputs in [-1, 1] or Bernoulli logits (sigmoid). */
  output: 'tanh' | 'logits';
  /** Classes of a class-conditional G (second input: one-hot labels), else 0. */
  classes: number;
}

export function exportPageHtml(meta: ExportMeta): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ganymede generator (${meta.family}, step ${meta.step})</title>
<style>
body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:24px;color:#222}
canvas{image-rendering:pixelated;border:1px solid #ccc;background:#303030}
button{font-size:16px;padding:6px 16px;margin-right:12px}label{margin-right:12px}
#status{color:#555;font-size:13px;margin:8px 0}
</style></head>
<body>
<h1>New digits from a ganymede ${meta.family === 'mlp-vae' ? 'VAE decoder' : 'generator'}</h1>
<p>${meta.network} after ${meta.step} training steps; latent size ${meta.latentDim}; runs in your browser with TensorFlow.js.</p>
<p><button id="draw" disabled>Draw new digits</button>
<label>grid <select id="size"><option>4</option><option selected>8</option><option>12</option></select></label>
${meta.classes > 0 ? `<label>class <select id="class"><option value="-1">one per row</option>${Array.from({ length: meta.classes }, (_, k) => `<option>${k}</option>`).join('')}</select></label>` : ''}
<label>truncation <input id="trunc" type="number" min="0" max="4" step="0.1" value="0" title="0: none; t > 0 redraws |z| > t (the truncation trick)"></label></p>
<div id="status">loading the model...</div>
<canvas id="grid" width="8" height="8"></canvas>
<script src="tf.min.js"></script>
<script src="model.js"></script>
<script>
const META = ${JSON.stringify(meta)};
let model;

function base64ToBuffer(b64) {
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes.buffer;
}

async function loadModel() {
  if (location.protocol === 'http:' || location.protocol === 'https:') return tf.loadLayersModel('model.json');
  const m = window.GANYMEDE_MODEL;
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: m.modelTopology, weightSpecs: m.weightSpecs, weightData: base64ToBuffer(m.weightData) }));
}

// z ~ N(0, I); with truncation t > 0, components with |z| > t are drawn again (Brock et al. 2019).
function latent(n, t) {
  return tf.tidy(() => {
    let z = tf.randomNormal([n, META.latentDim]);
    if (t > 0) {
      for (let i = 0; i < 20; i++) {
        const bad = tf.greater(tf.abs(z), t);
        z = tf.where(bad, tf.randomNormal(z.shape), z);
      }
      z = tf.clipByValue(z, -t, t);
    }
    return z;
  });
}

async function draw() {
  const side = Number(document.getElementById('size').value);
  const t = Number(document.getElementById('trunc').value) || 0;
  const n = side * side, H = META.height, W = META.width, gap = 2, scale = 3;
  const chosen = META.classes > 0 ? Number(document.getElementById('class').value) : -1;
  const pixels = tf.tidy(() => {
    const z = latent(n, t);
    // A conditional G takes [z, one-hot y]: the chosen class, or row r of class r mod K.
    const labels = Array.from({ length: n }, (_, i) => (chosen >= 0 ? chosen : Math.floor(i / side) % META.classes));
    const out = META.classes > 0 ? model.predict([z, tf.oneHot(tf.tensor1d(labels, 'int32'), META.classes).toFloat()]) : model.predict(z);
    const unit = META.output === 'tanh' ? out.add(1).div(2) : tf.sigmoid(out);
    return unit.mul(255).round().clipByValue(0, 255).reshape([n, H * W * META.channels]);
  });
  const values = await pixels.data();
  pixels.dispose();
  const canvas = document.getElementById('grid');
  canvas.width = side * (W + gap) + gap;
  canvas.height = side * (H + gap) + gap;
  canvas.style.width = canvas.width * scale + 'px';
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#303030';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  const img = ctx.createImageData(W, H);
  for (let k = 0; k < n; k++) {
    for (let p = 0; p < H * W; p++) {
      const v = values[k * H * W * META.channels + p * META.channels];
      img.data[4 * p] = img.data[4 * p + 1] = img.data[4 * p + 2] = v;
      img.data[4 * p + 3] = 255;
    }
    ctx.putImageData(img, gap + (k % side) * (W + gap), gap + Math.floor(k / side) * (H + gap));
  }
  document.getElementById('status').textContent = n + ' samples drawn (backend ' + tf.getBackend() + ')';
  document.body.dataset.drawn = String(Number(document.body.dataset.drawn || 0) + 1);
}

loadModel().then((m) => {
  model = m;
  document.getElementById('status').textContent = 'model loaded; press the button';
  const button = document.getElementById('draw');
  button.disabled = false;
  button.addEventListener('click', () => draw().catch((e) => { document.getElementById('status').textContent = 'error: ' + e.message; console.error(e); }));
}).catch((e) => { document.getElementById('status').textContent = 'cannot load the model: ' + e.message; console.error(e); });
</script>
</body></html>
`;
}
