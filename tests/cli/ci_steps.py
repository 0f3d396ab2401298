#!/usr/bin/env python3
"""ci_steps.py OUTDIR GITHUB_WORKFLOW GITLAB_CI: writes each command of the example
pipelines that needs no CI service as OUTDIR/NN-PIPELINE-JOB.sh (in order; a
script that rolls out with `wgf fleet apply` as NN-PIPELINE-JOB.fleet.sh: the test
runs it against hosts that refuse the connection), and prints one line per command
left out, "skip PIPELINE JOB: WHAT (WHY)". Left out are exactly the steps in SERVICE
below; anything else left out, or a listed step that is not there, is an error
(exit 1): the test cannot quietly stop running a step."""
import os
import sys

import yaml

# (pipeline, job, step name or the start of a script line): why it needs the service
SERVICE = {
    ("github", "review", "actions/checkout@v4"): "the runner's checkout (the test clones)",
    ("github", "review", "Install wgf"): "downloads and builds wgf (the test has it)",
    ("github", "review", "actions/upload-artifact@v4"): "GitHub's artifact store",
    ("github", "review", "Post the report on the pull request"): "GitHub's API",
    ("github", "rollout", "actions/checkout@v4"): "the runner's checkout (the test clones)",
    ("github", "rollout", "Install wgf"): "downloads and builds wgf (the test has it)",
    ("gitlab", ".wgf", "before_script"): "downloads and builds wgf (the test has it)",
    ("gitlab", "review", "curl "): "GitLab's notes API",
}
GITLAB_KEYWORDS = {"stages", "variables", "default", "include", "workflow", "image", "services", "cache"}


def main():
    out, gh_path, gl_path = sys.argv[1:4]
    seen, n = set(), 0

    def emit(pipeline, job, text):
        nonlocal n
        n += 1
        kind = ".fleet" if "wgf fleet apply" in text else ""
        with open(os.path.join(out, f"{n:02d}-{pipeline}-{job}{kind}.sh"), "w") as f:
            f.write(text if text.endswith("\n") else text + "\n")

    def skipped(key, what):
        seen.add(key)
        print(f"skip {key[0]} {key[1]}: {what} ({SERVICE[key]})")

    gh = yaml.safe_load(open(gh_path))
    for job, spec in gh["jobs"].items():
        for step in spec["steps"]:
            name = step.get("name") or step.get("uses")
            key = ("github", job, name)
            if key in SERVICE:
                skipped(key, name)
            elif "run" in step:
                emit("github", job, step["run"])
            else:
                sys.exit(f"github {job}: step {name!r} runs nothing and is not known to need the service")
    gl = yaml.safe_load(open(gl_path))
    for job, spec in gl.items():
        if job in GITLAB_KEYWORDS:
            continue
        if "before_script" in spec:
            skipped(("gitlab", job, "before_script"), "before_script")
        lines = []
        for line in spec.get("script", []):
            key = next((k for k in SERVICE if k[:2] == ("gitlab", job) and line.startswith(k[2])), None)
            if key:
                skipped(key, line.split()[0])
            else:
                lines.append(line)
        if lines:
            emit("gitlab", job, "\n".join(lines))
    missing = set(SERVICE) - seen
    if missing:
        sys.exit(f"steps listed as needing the service are not in the pipelines: {sorted(missing)}")


main()
