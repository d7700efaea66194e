#!/usr/bin/env bash
# tools/serve.d/buildbarn-config.sh DIR PORT [CAS_GIB] — write the configuration of the loopback Buildbarn
# that `tools/serve start exec` runs: DIR/bb_storage.jsonnet, DIR/bb_scheduler.jsonnet,
# DIR/bb_worker.jsonnet and DIR/bb_runner.jsonnet (Jsonnet, one per program), with every data
# directory under DIR/data (created here). Only 127.0.0.1 is listened on:
#   PORT     bb_storage: CAS, action cache and Execute (forwarded to bb_scheduler), the single
#            endpoint Bazel uses (--remote_executor; the cache is the executor's own)
#   PORT+1   bb_scheduler: Execute/WaitExecution from bb_storage
#   PORT+2   bb_scheduler: bb_worker synchronizes here
#   PORT+3   bb_scheduler: admin web pages (queues, drains)
#   DIR/data/runner.sock   bb_runner, which runs the worker's actions
# Storage: local block devices in sparse files whose contents survive restarts: the CAS is CAS_GIB
# (default 8) GiB in 20 blocks (no object can be larger than a block: 400 MiB at 8 GiB; the zig
# compiler is 170 MiB; a build of //... through it holds ~10 GiB), the
# action cache 64 MiB; the worker builds in a native (hard-linking) build directory whose file cache
# is on the same file system. Idempotent: re-running rewrites the configuration, keeps the data.
# Exit status: 0 on success, 2 for bad arguments.
set -euo pipefail
if [ $# -lt 2 ] || [ $# -gt 3 ] || ! [[ $2 =~ ^[1-9][0-9]*$ ]] || [ "$2" -gt 65532 ] || ! [[ ${3:-8} =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 DIR PORT [CAS_GIB]   (PORT..PORT+3 are used; the CAS holds CAS_GIB GiB, default 8)" >&2
  exit 2
fi
mkdir -p "$1"
dir=$(cd "$1" && pwd -P)
port=$2
cas_gib=${3:-8}
data=$dir/data
storage=127.0.0.1:$port
scheduler_client=127.0.0.1:$((port + 1))
scheduler_worker=127.0.0.1:$((port + 2))
scheduler_admin=127.0.0.1:$((port + 3))
runner_socket=$data/runner.sock
jobs=$(nproc 2>/dev/null || echo 2)
mkdir -p "$data/storage-cas/persistent_state" "$data/storage-ac/persistent_state" \
  "$data/worker/build" "$data/worker/cache" "$data/worker/filepool"

# write NAME: stdin becomes DIR/NAME.jsonnet (renamed into place: a running program never reads
# a half-written file)
write() {
  cat >"$dir/$1.jsonnet.tmp"
  mv -f "$dir/$1.jsonnet.tmp" "$dir/$1.jsonnet"
}

# local_backend SUBDIR KEY_LOCATION_MAP_BYTES BLOCKS_BYTES OLD CURRENT NEW SPARE: a local
# block-device store whose BLOCKS_BYTES are split into OLD+CURRENT+NEW+SPARE blocks
local_backend() {
  cat <<EOF
{
      'local': {
        keyLocationMapOnBlockDevice: { file: { path: '$data/$1/key_location_map', sizeBytes: $2 } },
        keyLocationMapMaximumGetAttempts: 8,
        keyLocationMapMaximumPutAttempts: 32,
        oldBlocks: $4,
        currentBlocks: $5,
        newBlocks: $6,
        blocksOnBlockDevice: {
          source: { file: { path: '$data/$1/blocks', sizeBytes: $3 } },
          spareBlocks: $7,
        },
        persistent: { stateDirectoryPath: '$data/$1/persistent_state', minimumEpochInterval: '300s' },
      },
    }
EOF
}

write bb_storage <<EOF
// Written by tools/serve.d/buildbarn-config.sh: re-running it overwrites this file.
// CAS + action cache, and the Execute frontend Bazel talks to (forwarded to bb_scheduler).
{
  grpcServers: [{
    listenAddresses: ['$storage'],
    authenticationPolicy: { allow: {} },
  }],
  schedulers: {
    '': { endpoint: { address: '$scheduler_client' } },
  },
  executeAuthorizer: { allow: {} },
  maximumMessageSizeBytes: 16777216,
  // pass Bazel's RequestMetadata on to bb_scheduler (invocation keys, worker logs)
  global: { grpcForwardAndReuseMetadata: ['build.bazel.remote.execution.v2.requestmetadata-bin'] },
  contentAddressableStorage: {
    backend: $(local_backend storage-cas $((64 * 1024 * 1024)) $((cas_gib * 1024 * 1024 * 1024)) 4 12 2 2),
    getAuthorizer: { allow: {} },
    putAuthorizer: { allow: {} },
    findMissingAuthorizer: { allow: {} },
  },
  actionCache: {
    backend: $(local_backend storage-ac $((4 * 1024 * 1024)) $((64 * 1024 * 1024)) 8 24 1 3),
    getAuthorizer: { allow: {} },
    putAuthorizer: { allow: {} },
  },
}
EOF

write bb_scheduler <<EOF
// Written by tools/serve.d/buildbarn-config.sh: re-running it overwrites this file.
{
  adminHttpServers: [{
    listenAddresses: ['$scheduler_admin'],
    authenticationPolicy: { allow: {} },
  }],
  clientGrpcServers: [{
    listenAddresses: ['$scheduler_client'],
    authenticationPolicy: { allow: {} },
  }],
  workerGrpcServers: [{
    listenAddresses: ['$scheduler_worker'],
    authenticationPolicy: { allow: {} },
  }],
  // no bb_browser runs: links to it go nowhere
  browserUrl: 'http://$scheduler_admin',
  contentAddressableStorage: { grpc: { address: '$storage' } },
  maximumMessageSizeBytes: 16777216,
  global: {},
  executeAuthorizer: { allow: {} },
  modifyDrainsAuthorizer: { allow: {} },
  killOperationsAuthorizer: { allow: {} },
  actionRouter: {
    simple: {
      platformKeyExtractor: { actionAndCommand: {} },
      invocationKeyExtractors: [{ correlatedInvocationsId: {} }, { toolInvocationId: {} }],
      initialSizeClassAnalyzer: {
        defaultExecutionTimeout: '1800s',
        maximumExecutionTimeout: '7200s',
      },
    },
  },
  platformQueueWithNoWorkersTimeout: '900s',
}
EOF

write bb_worker <<EOF
// Written by tools/serve.d/buildbarn-config.sh: re-running it overwrites this file.
{
  blobstore: {
    contentAddressableStorage: { grpc: { address: '$storage' } },
    actionCache: { grpc: { address: '$storage' } },
  },
  browserUrl: 'http://$scheduler_admin',
  maximumMessageSizeBytes: 16777216,
  scheduler: { address: '$scheduler_worker' },
  global: {},
  buildDirectories: [{
    // native (hard-linking) build directory, no FUSE: the cache directory must be on the same
    // file system as the build directory
    native: {
      buildDirectoryPath: '$data/worker/build',
      cacheDirectoryPath: '$data/worker/cache',
      maximumCacheFileCount: 100000,
      maximumCacheSizeBytes: $((4 * 1024 * 1024 * 1024)),
      cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
    },
    runners: [{
      endpoint: { address: 'unix://$runner_socket' },
      concurrency: $jobs,
      instanceNamePrefix: '',
      // actions without platform properties (this workspace sets none)
      platform: { properties: [] },
      workerId: { hostname: 'localhost', slot: '0' },
    }],
  }],
  filePool: { directoryPath: '$data/worker/filepool' },
  outputUploadConcurrency: 11,
  directoryCache: {
    maximumCount: 1000,
    maximumSizeBytes: 1024000,
    cacheReplacementPolicy: 'LEAST_RECENTLY_USED',
  },
}
EOF

write bb_runner <<EOF
// Written by tools/serve.d/buildbarn-config.sh: re-running it overwrites this file.
{
  buildDirectoryPath: '$data/worker/build',
  grpcServers: [{
    listenPaths: ['$runner_socket'],
    authenticationPolicy: { allow: {} },
  }],
  global: {},
}
EOF
