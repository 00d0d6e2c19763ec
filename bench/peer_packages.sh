# Sourced by the peer labs (bench/neutron_peer.sh, bench/ovn_ic_peer.sh):
# install_if_missing installs the Debian packages named in the caller's
# `packages` array that are not installed yet, without letting their own
# services start (a policy-rc.d refusing every start while apt runs, unless the
# machine has one already, as containers do): a peer's daemons are started by
# its script, never by the system, and must not take the lab's ports (a
# system neutron-api would listen on 9696). Uses the caller's `say`.
install_if_missing() {
  local missing=() p
  for p in "${packages[@]}"; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == 'install ok installed' ]] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  say "installing ${missing[*]} (first use; takes minutes)"
  apt-get update -qq
  local policy=
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  local rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || rc=$?
  [[ -z $policy ]] || rm -f "$policy"
  return "$rc"
}
