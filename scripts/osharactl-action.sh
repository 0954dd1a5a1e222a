#!/usr/bin/env bash
# The core of the osharactl GitHub Action (action.yml) and of the GitLab CI recipes: run one
# osharactl command the way a pipeline needs it, and report outputs instead of failing early.
#
# Why a script and not inline YAML: the same steps then run on GitHub, on GitLab and in our tests
# (tests/integrations/test_action.py runs this file against a served sandbox).
#
# Inputs (environment):
#   INPUT_COMMAND            validate | plan | apply | drift                      (required)
#   INPUT_PATHS              manifest files/directories, space-separated  (default: from osharactl.yaml)
#   INPUT_ENV                environment from osharactl.yaml (--env)
#   INPUT_API_URL            --api-url (e.g. "sandbox"); else OSHARA_API_URL / the config file
#   INPUT_WORKING_DIRECTORY  where to run (default: .)
#   INPUT_ARGS               extra arguments for the command, split on whitespace
#   INPUT_PLAN_FILE          plan: where to save the plan (default: osharactl-plan.json)
#                            apply: a saved plan to apply exactly as reviewed (else re-plan + apply)
#   INPUT_FULL_PLAN_URL      plan: linked from the markdown when it is shortened
#   OSHARACTL                the executable (default: osharactl)
# Outputs (appended to $GITHUB_OUTPUT when set, and printed as name=value lines):
#   exitcode       osharactl's exit code
#   has-changes    true | false (plan, drift)
#   plan-markdown  path of the markdown plan (plan, drift)
#   plan-file      path of the saved plan (plan)
# The markdown plan is also appended to $GITHUB_STEP_SUMMARY when set.
# Exit status: validate/apply/plan fail only on errors (plan with changes succeeds); drift fails
# with 2 when live state differs from the manifests, after printing what drifted.
set -uo pipefail

command=${INPUT_COMMAND:?INPUT_COMMAND is required: validate, plan, apply or drift}
osharactl=${OSHARACTL:-osharactl}
cd "${INPUT_WORKING_DIRECTORY:-.}" || { echo "::error::no such directory: ${INPUT_WORKING_DIRECTORY}"; exit 1; }

global=()
[[ -n ${INPUT_API_URL:-} ]] && global+=(--api-url "$INPUT_API_URL")
[[ -n ${INPUT_ENV:-} ]] && global+=(--env "$INPUT_ENV")
read -r -a paths <<<"${INPUT_PATHS:-}"
read -r -a extra <<<"${INPUT_ARGS:-}"
out_dir=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
markdown="$out_dir/osharactl-plan.md"

output() {  # name value: a step output, and a line in the log for humans and tests
  echo "$1=$2"
  if [[ -n ${GITHUB_OUTPUT:-} ]]; then echo "$1=$2" >>"$GITHUB_OUTPUT"; fi
}

summary() {  # file: the job summary page shows the plan without opening the log
  if [[ -n ${GITHUB_STEP_SUMMARY:-} ]]; then cat "$1" >>"$GITHUB_STEP_SUMMARY"; fi
}

plan_markdown() {  # extra plan args...: markdown on disk, exit code kept
  local hint=()
  [[ -n ${INPUT_FULL_PLAN_URL:-} ]] && hint=(--full-plan-url "$INPUT_FULL_PLAN_URL")
  "$osharactl" "${global[@]}" plan "${paths[@]}" --detailed-exitcode --format markdown \
    "${hint[@]}" "$@" "${extra[@]}" >"$markdown"
}

case "$command" in
  validate)
    "$osharactl" "${global[@]}" validate "${paths[@]}" "${extra[@]}"
    code=$?
    output exitcode "$code"
    exit "$code"
    ;;
  plan)
    plan_file=${INPUT_PLAN_FILE:-osharactl-plan.json}
    plan_markdown --out "$plan_file"
    code=$?
    output exitcode "$code"
    output has-changes "$([[ $code == 2 ]] && echo true || echo false)"
    output plan-markdown "$markdown"
    [[ $code == 0 || $code == 2 ]] && output plan-file "$plan_file"
    [[ -s $markdown ]] && summary "$markdown"
    [[ $code == 2 ]] && exit 0  # changes are what a pull request is for
    exit "$code"
    ;;
  drift)
    plan_markdown
    code=$?
    output exitcode "$code"
    output has-changes "$([[ $code == 2 ]] && echo true || echo false)"
    output plan-markdown "$markdown"
    [[ -s $markdown ]] && summary "$markdown"
    if [[ $code == 2 ]]; then
      echo "::error title=Drift detected::live state differs from the manifests; what drifted:"
      "$osharactl" --no-color "${global[@]}" plan "${paths[@]}" "${extra[@]}"
      exit 2
    fi
    [[ $code == 0 ]] && echo "No drift: live state matches the manifests."
    exit "$code"
    ;;
  apply)
    if [[ -n ${INPUT_PLAN_FILE:-} ]]; then
      # The reviewed plan, exactly; apply refuses it (exit 1) if live state moved since.
      "$osharactl" "${global[@]}" apply "$INPUT_PLAN_FILE" "${extra[@]}"
    else
      "$osharactl" "${global[@]}" apply "${paths[@]}" --auto-approve "${extra[@]}"
    fi
    code=$?
    output exitcode "$code"
    exit "$code"
    ;;
  *)
    echo "::error::unknown command '$command': expected validate, plan, apply or drift"
    exit 1
    ;;
esac
