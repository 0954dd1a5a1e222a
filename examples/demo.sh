#!/bin/sh
# The README's first command: the example characters against the embedded sandbox, no account
# needed. Set OSHARACTL to run another build (the tests use "python -m osharactl").
set -eu
cd "$(dirname "$0")"
OSHARACTL=${OSHARACTL:-osharactl}
# Demo values for the secrets the manifests reference as ${env:...}; never commit real ones.
export ACME_OPENAI_KEY=sk-demo-0000 ACME_TICKET_TOKEN=demo-ticket
export ACME_CRM_TOKEN=demo-crm ACME_KB_KEY=demo-kb
export OSHARACTL_SANDBOX_DB="${OSHARACTL_SANDBOX_DB:-.osharactl/sandbox.sqlite3}"

echo "== 1. The finance team's billing agent (support-agent hands off to it)"
$OSHARACTL --sandbox apply --auto-approve finance
echo
echo "== 2. Plan the example characters (characters/, see osharactl.yaml)"
$OSHARACTL --sandbox plan
echo
echo "== 3. Apply them"
$OSHARACTL --sandbox apply --auto-approve
echo
echo "== 4. Plan again: what is in git is what runs"
$OSHARACTL --sandbox plan --detailed-exitcode
