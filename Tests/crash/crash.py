#!/usr/bin/env python3
"""Crash safety of the engine's saves, with real processes and SIGKILL at random moments.

    crash.py CLI LIB [--kills N] [--seed S]

CLI is the release gsau-cli, LIB the release libgsau.so (the Python binding loads it).

1. Checkpoints. A child process saves two models, A and B, alternately to one path in a loop
   (gsau.GSAU.save: gsau_model_save); it is killed with SIGKILL after a random delay, N times.
   After every kill the file must be A or B byte for byte and load. Kills that left a temporary
   file behind landed inside a save.
2. Training state. `gsau-cli train --state` rewrites its training-state file after every epoch;
   the run is killed with SIGKILL after a random delay and restarted with --resume until it
   finishes (a new run starts while fewer than N kills were made). Each run's result (the JSON
   history, every number but the timings) and its saved model (byte for byte) must equal those of
   an uninterrupted run of the same seed.
3. A full disk. On a 600 KiB tmpfs holding model A's checkpoint, saving B fails with GSAUIOError
   (GSAU_E_IO) and leaves A's file whole and no temporary file. Needs a private mount namespace
   (`unshare -m`, root); skipped, and said so, where that is not allowed.

Prints one line per part with its figures; exits 1 on the first failure.
"""
import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TINY = os.path.join(ROOT, "Tests", "GSAUTests", "Fixtures", "parity", "tiny.txt")
# The training run: GSAU(rec) on the 24-user fixture, one product thread, no early stop.
TRAIN = ["--variant", "gsau-rec", "--threads", "1", "--patience", "1000", "--quiet", "--seed", "7"]
EPOCHS = 60


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def binding_env(lib):
    env = dict(os.environ, GSAU_LIBRARY_PATH=lib)
    env["PYTHONPATH"] = os.path.join(ROOT, "bindings", "python") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(folder, keep):
    """Temporary files a killed save left in folder (removed), as a count."""
    extra = [name for name in os.listdir(folder) if name not in keep]
    for name in extra:
        if ".tmp." not in name:
            fail("unexpected file %s in %s" % (name, folder))
        os.unlink(os.path.join(folder, name))
    return len(extra)


# ── child processes ─────────────────────────────────────────────────────────────────────────

def child_save_loop(target, a, b):
    """Saves models A and B to target, alternately, until killed."""
    import gsau
    models = [gsau.GSAU.load(a), gsau.GSAU.load(b)]
    print("ready", flush=True)
    k = 0
    while True:
        models[k % 2].save(target)
        k += 1


def child_full_disk(target, a, b):
    """target holds A on a nearly full file system: saving B must fail with GSAU_E_IO, leave A."""
    import gsau
    model = gsau.GSAU.load(b)
    try:
        model.save(target)
        fail("full disk: saving B onto a full file system succeeded")
    except gsau.GSAUIOError as e:
        error = e
    if error.status != -3 or "No space left on device" not in error.message:
        fail("full disk: status %s, message %r" % (error.status, error.message))
    if read(target) != read(a):
        fail("full disk: the old checkpoint changed")
    folder = os.path.dirname(target)
    if sorted(os.listdir(folder)) != [os.path.basename(target)]:
        fail("full disk: files left behind: %s" % sorted(os.listdir(folder)))
    gsau.GSAU.load(target).close()
    print("full disk: GSAU_E_IO (%s), the old checkpoint intact" % error.message.split(": ")[-1])


# ── the checks ──────────────────────────────────────────────────────────────────────────────

def train(cli, folder, extra=(), check=True):
    cmd = [cli, "train", TINY, "--epochs", str(EPOCHS), "--state", os.path.join(folder, "run.gsat"),
           "--json", os.path.join(folder, "run.json"), "--save", os.path.join(folder, "model.gsau")] + TRAIN + list(extra)
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def without_timings(value):
    """The result JSON with every wall-clock figure removed (they differ between any two runs)."""
    if isinstance(value, dict):
        return {k: without_timings(v) for k, v in value.items() if "seconds" not in k}
    if isinstance(value, list):
        return [without_timings(v) for v in value]
    return value


def check_training_state(cli, work, kills, rng):
    ref = os.path.join(work, "reference")
    os.makedirs(ref)
    started = time.monotonic()
    p = train(cli, ref)
    _, err = p.communicate()
    if p.returncode != 0:
        fail("reference run: exit %d: %s" % (p.returncode, err.decode()))
    run_seconds = time.monotonic() - started
    reference = without_timings(json.loads(read(os.path.join(ref, "run.json"))))
    reference_model = read(os.path.join(ref, "model.gsau"))
    # Kill moments: uniform over about two epochs' time plus the start-up, so that most kills land
    # inside an epoch or its state write and the run advances a little between kills. A run that
    # finishes before all kills are spent is checked, and the next round starts a new run.
    window = 0.03 + 2 * run_seconds / EPOCHS
    killed = mid_write = resumed = rounds = 0
    while killed < kills:
        rounds += 1
        run = os.path.join(work, "killed-%d" % rounds)
        os.makedirs(run)
        state = os.path.join(run, "run.gsat")
        while True:
            resuming = os.path.exists(state)
            p = train(cli, run, ["--resume"] if resuming else [])
            resumed += resuming
            if killed < kills:
                time.sleep(rng.uniform(0, window))
                if p.poll() is None:
                    p.send_signal(signal.SIGKILL)
            _, err = p.communicate()
            if p.returncode == 0:
                break
            if p.returncode != -signal.SIGKILL:
                fail("training after %d kills: exit %d: %s" % (killed, p.returncode, err.decode()))
            killed += 1
            mid_write += leftovers(run, {"run.gsat", "run.json", "model.gsau"})
        if without_timings(json.loads(read(os.path.join(run, "run.json")))) != reference:
            fail("round %d: the resumed run's result differs from the uninterrupted run's" % rounds)
        if read(os.path.join(run, "model.gsau")) != reference_model:
            fail("round %d: the resumed run saved another model than the uninterrupted run" % rounds)
    print("training state: %d SIGKILLs (%d inside a file write), %d resumes, %d run(s) of %d epochs: each run's history "
          "and model equal to the uninterrupted run's (kill window %.0f ms)"
          % (killed, mid_write, resumed, rounds, len(reference["history"]), 1000 * window))


def make_models(cli, work):
    """Checkpoints A and B: the same configuration, 1 and 2 epochs."""
    paths = []
    for epochs in (1, 2):
        path = os.path.join(work, "model-%d.gsau" % epochs)
        subprocess.run([cli, "train", TINY, "--epochs", str(epochs), "--save", path] + TRAIN,
                       check=True, stdout=subprocess.DEVNULL)
        paths.append(path)
    if read(paths[0]) == read(paths[1]):
        fail("models A and B are equal")
    return paths


def check_checkpoints(lib, work, models, kills, rng):
    import gsau
    folder = os.path.join(work, "saves")
    os.makedirs(folder)
    target = os.path.join(folder, "model.gsau")
    shutil.copyfile(models[0], target)
    versions = [read(m) for m in models]
    seen = [0, 0]
    mid_write = 0
    for k in range(kills):
        p = subprocess.Popen([sys.executable, __file__, "--child-save", target] + models,
                             stdout=subprocess.PIPE, env=binding_env(lib))
        if p.stdout.readline().strip() != b"ready":
            fail("the saving child did not start")
        time.sleep(rng.uniform(0, 0.06))
        p.send_signal(signal.SIGKILL)
        p.wait()
        p.stdout.close()
        mid_write += leftovers(folder, {"model.gsau"})
        content = read(target)
        if content not in versions:
            fail("after kill %d the checkpoint is neither A nor B (%d bytes)" % (k + 1, len(content)))
        seen[versions.index(content)] += 1
        gsau.GSAU.load(target).close()
    print("checkpoints: %d SIGKILLs during save loops (%d inside a file write): the file was A %d times, "
          "B %d times, never anything else, and always loaded" % (kills, mid_write, seen[0], seen[1]))


def check_full_disk(lib, work, models):
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        print("full disk: skipped (needs root and unshare -m for a private tmpfs)")
        return
    mount = os.path.join(work, "tmpfs")
    os.makedirs(mount)
    script = ('mount -t tmpfs -o size=600k tmpfs "$1" || exit 77; cp "$2" "$1/model.gsau" && '
              'exec "$4" "$5" --child-full-disk "$1/model.gsau" "$2" "$3"')
    p = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", mount, models[0], models[1],
                        sys.executable, __file__], env=binding_env(lib), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode == 77 or (p.returncode != 0 and b"unshare" in p.stderr):
        print("full disk: skipped (no private tmpfs here: %s)" % p.stderr.decode().strip().splitlines()[-1:])
        return
    if p.returncode != 0:
        fail("full disk: %s%s" % (p.stdout.decode(), p.stderr.decode()))
    print(p.stdout.decode().strip())


def main():
    if len(sys.argv) >= 2 and sys.argv[1] in ("--child-save", "--child-full-disk"):
        sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
        (child_save_loop if sys.argv[1] == "--child-save" else child_full_disk)(*sys.argv[2:5])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cli")
    parser.add_argument("lib")
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--seed", type=int, default=None, help="of the kill moments (default: random, printed)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    os.environ["GSAU_LIBRARY_PATH"] = os.path.abspath(args.lib)
    sys.path.insert(0, os.path.join(ROOT, "bindings", "python"))
    cli, lib = os.path.abspath(args.cli), os.path.abspath(args.lib)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="gsau-crash-")
    try:
        models = make_models(cli, work)
        check_checkpoints(lib, work, models, args.kills, rng)
        check_training_state(cli, work, args.kills, rng)
        check_full_disk(lib, work, models)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("crash safety: ok (seed %d, %.1f s)" % (seed, time.monotonic() - started))


if __name__ == "__main__":
    main()
