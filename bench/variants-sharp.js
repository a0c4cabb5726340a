// The sharp side of bench/variants-sharp.sh, and the PSNR of both sides.
// sharp is installed by the script into a work folder (NODE_PATH points
// there); it is the reference, never a dependency of imgform.
//
//   node variants-sharp.js derive OUT SRC...   the four variants of each
//                                              source, 2 sources at a time
//   node variants-sharp.js psnr SRCDIR DIR...  mean PSNR per format of the
//                                              variants in each DIR
//
// The variants (the shape, at imgform's effort): NNNN-social.jpg
// (1200×630 cover, centre, JPEG q85), NNNN-512.webp (512 wide, WebP q80,
// effort 2), NNNN-256.avif (256 wide, AVIF q60, effort 0), NNNN-64.png
// (64 wide).
//
// PSNR: each variant is decoded by sharp to 8-bit RGB and compared with
// the reference, the source resized by sharp to the variant's size the
// same way (Lanczos 3; the cover crop from the centre), as lossless
// 8-bit RGB; PSNR = 10·log10(255² / MSE), the MSE over every sample of
// the three channels; the mean of the files' PSNRs per format is printed.
'use strict';
const sharp = require('sharp');
const fs = require('fs');
const path = require('path');

const jobs = [
  { suffix: '-social.jpg', resize: { width: 1200, height: 630, fit: 'cover', position: 'centre' }, out: (s) => s.jpeg({ quality: 85 }) },
  { suffix: '-512.webp', resize: { width: 512 }, out: (s) => s.webp({ quality: 80, effort: 2 }) },
  { suffix: '-256.avif', resize: { width: 256 }, out: (s) => s.avif({ quality: 60, effort: 0 }) },
  { suffix: '-64.png', resize: { width: 64 }, out: (s) => s.png() },
];

async function derive(out, sources) {
  fs.mkdirSync(out, { recursive: true });
  let next = 0;
  async function worker() {
    while (next < sources.length) {
      const src = sources[next++];
      const base = path.join(out, path.basename(src, '.png'));
      const input = sharp(src);
      await Promise.all(jobs.map((j) => j.out(input.clone().resize(j.resize)).toFile(base + j.suffix)));
    }
  }
  await Promise.all([worker(), worker()]);
}

async function rgb(img) {
  return img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
}

async function psnr(srcDir, dirs) {
  const sources = fs.readdirSync(srcDir).filter((f) => f.endsWith('.png')).sort();
  for (const dir of dirs) {
    const sums = {};
    for (const f of sources) {
      const n = path.basename(f, '.png');
      for (const j of jobs) {
        const file = path.join(dir, n + j.suffix);
        const got = await rgb(sharp(file));
        const want = await rgb(sharp(path.join(srcDir, f)).resize({ ...j.resize, width: got.info.width, height: got.info.height, fit: j.resize.fit || 'fill' }));
        if (got.data.length !== want.data.length) throw new Error(`${file}: ${got.info.width}×${got.info.height}, the reference differs`);
        let se = 0;
        for (let i = 0; i < got.data.length; i++) {
          const d = got.data[i] - want.data[i];
          se += d * d;
        }
        const mse = se / got.data.length;
        const db = mse === 0 ? 99 : 10 * Math.log10((255 * 255) / mse);
        const s = (sums[j.suffix] ||= { db: 0, bytes: 0, n: 0 });
        s.db += db;
        s.bytes += fs.statSync(file).size;
        s.n++;
      }
    }
    for (const j of jobs) {
      const s = sums[j.suffix];
      console.log(`${dir}\t${j.suffix.split('.')[1]}\t${s.bytes}\t${(s.db / s.n).toFixed(3)}`);
    }
  }
}

const [cmd, ...args] = process.argv.slice(2);
const run = cmd === 'derive' ? derive(args[0], args.slice(1)) : cmd === 'psnr' ? psnr(args[0], args.slice(1)) : Promise.reject(new Error('usage: derive OUT SRC… | psnr SRCDIR DIR…'));
run.catch((e) => {
  console.error(e.message || e);
  process.exit(1);
});
