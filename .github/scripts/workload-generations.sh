#!/usr/bin/env bash
# Prints a JSON object mapping "Kind/name" to metadata.generation for every Deployment,
# StatefulSet and DaemonSet in NAMESPACE (every namespace when it is empty). deploy.yml reads it
# before and after a deploy: a workload whose generation moved is one this run changed, and only
# those are rolled back when the run fails (an unchanged workload's previous revision is older).
#
# kubectl is reached the way the deploy actions reach it: on the runner with KUBECONFIG_CONTENT,
# or on K3S_HOST ("host" or "host:port") over SSH as SSH_USER with SSH_KEY, verified by
# SSH_KNOWN_HOSTS, running KUBECTL_COMMAND there (default "sudo -n k3s kubectl").
set -euo pipefail

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# kubectl's discovery cache goes with the rest, not into the home or working directory.
export KUBECACHEDIR="$scratch/cache"

scope=(--all-namespaces)
if [ -n "${NAMESPACE:-}" ]; then scope=(--namespace "$NAMESPACE"); fi
request=(get deployments,statefulsets,daemonsets "${scope[@]}" --output json)

if [ -n "${K3S_HOST:-}" ]; then
  host=$K3S_HOST
  port=22
  if [[ $K3S_HOST =~ ^(.+):([0-9]+)$ ]]; then
    host=${BASH_REMATCH[1]}
    port=${BASH_REMATCH[2]}
  fi
  install -m 600 /dev/null "$scratch/key"
  printf '%s\n' "${SSH_KEY:?SSH_KEY is needed to reach $K3S_HOST}" >"$scratch/key"
  printf '%s\n' "${SSH_KNOWN_HOSTS:?SSH_KNOWN_HOSTS is needed to verify $K3S_HOST}" >"$scratch/known_hosts"
  ssh -i "$scratch/key" -p "$port" -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes \
    -o UserKnownHostsFile="$scratch/known_hosts" -o ConnectTimeout=30 \
    "${SSH_USER:?SSH_USER is needed}@$host" "${KUBECTL_COMMAND:-sudo -n k3s kubectl} ${request[*]}" >"$scratch/live.json"
else
  install -m 600 /dev/null "$scratch/kubeconfig"
  printf '%s\n' "${KUBECONFIG_CONTENT:?KUBECONFIG_CONTENT or K3S_HOST is needed}" >"$scratch/kubeconfig"
  kubectl --kubeconfig "$scratch/kubeconfig" "${request[@]}" >"$scratch/live.json"
fi

jq --compact-output '[.items[] | {key: "\(.kind)/\(.metadata.name)", value: .metadata.generation}] | from_entries' \
  "$scratch/live.json"
