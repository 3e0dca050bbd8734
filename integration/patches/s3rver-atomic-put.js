// Makes s3rver 3.7.1's PUT atomic, as S3, MinIO and Ceph RGW are (read-after-write): the test server
// must not let a test see what no real S3 shows. s3rver answers a PUT once the body has passed its
// MD5 (lib/stores/filesystem.js, putObject), before its write to disk has finished, and writes the
// object, its .md5 and its metadata in place: a HEAD or GET right after the answer, or during a
// second PUT of the key, can see 0 bytes or an empty ETag (TierFs then rightly refuses to release the
// file). Patched: the body goes to a temporary file, the .md5 and the metadata are written to
// temporary files and renamed, and the object is renamed into place last, after its write has
// finished and before the answer. Run by mount-scripts/install.sh after npm; idempotent; exits
// non-zero, saying why, if the file is neither the pinned original nor already patched.
'use strict';
const fs = require('fs');
const path = require('path');

const file = path.join(__dirname, '..', 'node_modules', 's3rver', 'lib', 'stores', 'filesystem.js');
const MARK = '// tierfs: atomic PUT';
const edits = [
  [
`    if (md5) await fs.writeFile(md5Path, md5);
    await fs.writeFile(metadataPath, JSON.stringify(json, null, 2));`,
`    ${MARK}: each file whole or not at all
    const atomicWrite = async (target, data) => {
      const temporary = \`\${target}.\${process.pid}.\${Math.random().toString(36).slice(2)}.part\`;
      await fs.writeFile(temporary, data);
      await fs.rename(temporary, target);
    };
    if (md5) await atomicWrite(md5Path, md5);
    await atomicWrite(metadataPath, JSON.stringify(json, null, 2));`,
  ],
  [
`    const [size, md5] = await new Promise((resolve, reject) => {
      const writeStream = fs.createWriteStream(objectPath);`,
`    ${MARK}: the body lands in a temporary file, renamed into place once written
    const partPath = \`\${objectPath}.\${process.pid}.\${Math.random().toString(36).slice(2)}.part\`;
    const [size, md5] = await new Promise((resolve, reject) => {
      const writeStream = fs.createWriteStream(partPath);`,
  ],
  [
`        writeStream.end(object.content);
        md5Context.update(object.content);
        resolve([object.content.length, md5Context.digest('hex')]);`,
`        md5Context.update(object.content);
        const digest = md5Context.digest('hex');
        writeStream.on('error', reject).on('close', () => resolve([object.content.length, digest]));
        writeStream.end(object.content);`,
  ],
  [
`          .on('error', reject)
          .on('finish', () => resolve([totalLength, md5Context.digest('hex')]))
          .pipe(writeStream);`,
`          .on('error', reject)
          .pipe(writeStream)
          .on('error', reject)
          .on('close', () => resolve([totalLength, md5Context.digest('hex')]));`,
  ],
  [
`    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    return { size, md5 };`,
`    await this.putMetadata(object.bucket, object.key, object.metadata, md5);
    await fs.rename(partPath, objectPath);
    return { size, md5 };`,
  ],
];

let text = fs.readFileSync(file, 'utf8');
if (text.includes(MARK)) {
  console.log('s3rver: atomic PUT patch already applied');
  process.exit(0);
}
for (const [from, to] of edits) {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) {
    console.error(`s3rver-atomic-put: ${file} is not s3rver 3.7.1 as pinned (a patched passage is missing or not unique): not patched`);
    process.exit(1);
  }
  text = text.replace(from, to);
}
fs.writeFileSync(file, text);
console.log('s3rver: atomic PUT patch applied');
