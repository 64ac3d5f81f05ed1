#!/bin/sh
# Install mailbot as a system service on Debian 12 (`make install`, as root). Run it again to upgrade.
#
#   /opt/mailbot/                      a virtualenv with mailbot installed from this checkout (not editable)
#   /usr/local/bin/mailbot             -> /opt/mailbot/bin/mailbot, for administrators
#   /etc/mailbot/mailbot.toml          the example config, only when there is none (yours is never touched)
#   /etc/mailbot/credentials/          secrets, root only (0700)
#   /etc/systemd/system/mailbot.service
#   /var/lib/mailbot/                  the service's state (its StateDirectory): the SQLite database
#   the system user `mailbot`          made only when missing
#
# Variables:
#   DESTDIR        install under this root instead of / (to try or test the layout). The virtualenv's
#                  scripts name their interpreter by its absolute path, so a tree made this way runs
#                  from there only: it is not a staging area for a package.
#   SYSTEM_PYTHON  the interpreter for the virtualenv (default /usr/bin/python3). Not one under /root or
#                  /home: the unit's ProtectHome=yes hides those from the service.
#   CREATE_USER    "no" to leave the user `mailbot` to you (LDAP, configuration management). With DESTDIR
#                  the user goes into DESTDIR/etc/passwd (useradd --prefix) when there is one, never into
#                  the host's.
set -eu

DESTDIR=${DESTDIR:-}
SYSTEM_PYTHON=${SYSTEM_PYTHON:-/usr/bin/python3}
CREATE_USER=${CREATE_USER:-yes}
SERVICE_USER=mailbot

checkout=$(cd "$(dirname "$0")/.." && pwd)
venv=$DESTDIR/opt/mailbot
config_dir=$DESTDIR/etc/mailbot
state_dir=$DESTDIR/var/lib/mailbot
unit=$DESTDIR/etc/systemd/system/mailbot.service
docs=$venv/share/doc/mailbot

# What we install must be readable by the service user whatever root's umask is.
umask 022

say() { printf 'mailbot install: %s\n' "$*"; }
fail() { printf 'mailbot install: %s\n' "$*" >&2; exit 1; }

if [ -z "$DESTDIR" ] && [ "$(id -u)" != 0 ]; then
  fail "run as root (sudo make install), or give DESTDIR=/some/folder to try the layout"
fi
case $(readlink -f "$SYSTEM_PYTHON") in
  /root/* | /home/* | /run/user/*) fail "$SYSTEM_PYTHON lives where the service cannot see it (ProtectHome=yes): use /usr/bin/python3" ;;
esac

# The passwd line of the service user, in DESTDIR's database or the host's.
passwd_entry() {
  if [ -n "$DESTDIR" ]; then
    grep "^$SERVICE_USER:" "$DESTDIR/etc/passwd" 2>/dev/null || true
  else
    getent passwd "$SERVICE_USER" || true
  fi
}

make_user() {
  if [ -n "$(passwd_entry)" ]; then
    return
  fi
  if [ "$(id -u)" != 0 ] || { [ -n "$DESTDIR" ] && [ ! -f "$DESTDIR/etc/passwd" ]; }; then
    say "not making the user $SERVICE_USER (not root, or no $DESTDIR/etc/passwd)"
    return
  fi
  say "creating the system user $SERVICE_USER"
  set -- --system --user-group --home-dir /var/lib/mailbot --no-create-home \
    --shell /usr/sbin/nologin --comment "mailbot daemon" "$SERVICE_USER"
  if [ -n "$DESTDIR" ]; then
    useradd --prefix "$DESTDIR" "$@"
  else
    useradd "$@"
  fi
}

make_venv() {
  if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c '' 2>/dev/null; then
    return
  fi
  # Debian ships venv's pip in a separate package (python3-venv).
  if ! "$SYSTEM_PYTHON" -m venv --clear "$venv" >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing python3-venv"
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    fi
    "$SYSTEM_PYTHON" -m venv --clear "$venv" || fail "cannot make a virtualenv with $SYSTEM_PYTHON (apt-get install python3-venv)"
  fi
}

if [ "$CREATE_USER" != no ]; then
  make_user
fi

say "installing mailbot from $checkout into $venv"
make_venv
# Not editable: the wheel carries the shipped rules/ and templates/ inside the package. A local folder is
# always reinstalled, so running this again upgrades mailbot; its dependencies change only when it asks.
"$venv/bin/pip" install --quiet --disable-pip-version-check "$checkout"
install -d "$docs" "$DESTDIR/usr/local/bin"
install -m 0644 "$checkout/README.md" "$docs/README.md"
install -m 0644 "$checkout/packaging/mailbot.toml" "$docs/mailbot.toml.example"
ln -sfn /opt/mailbot/bin/mailbot "$DESTDIR/usr/local/bin/mailbot"

install -d -m 0755 "$config_dir"
install -d -m 0700 "$config_dir/credentials"
wrote_config=no
if [ ! -e "$config_dir/mailbot.toml" ]; then
  say "writing the example config $config_dir/mailbot.toml: edit it before you start the service"
  install -m 0640 "$checkout/packaging/mailbot.toml" "$config_dir/mailbot.toml"
  wrote_config=yes
else
  say "keeping your $config_dir/mailbot.toml (the current example is $docs/mailbot.toml.example)"
fi
install -d -m 0700 "$state_dir"

# The service reads the config we wrote and owns its state folder; the credentials stay root's (systemd
# reads them for it).
entry=$(passwd_entry)
if [ -n "$entry" ]; then
  uid=$(printf '%s' "$entry" | cut -d: -f3)
  gid=$(printf '%s' "$entry" | cut -d: -f4)
  if [ "$wrote_config" = yes ]; then
    chgrp "$gid" "$config_dir/mailbot.toml"
  fi
  chown "$uid:$gid" "$state_dir"
else
  say "no user $SERVICE_USER: create it before starting the service (the config must be readable by it)"
fi

install -d "$(dirname "$unit")"
install -m 0644 "$checkout/systemd/mailbot.service" "$unit"
if [ -z "$DESTDIR" ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if systemctl is-active --quiet mailbot; then
    say "mailbot is running the old version until: systemctl restart mailbot (it migrates the database on start)"
  else
    say "next: edit /etc/mailbot/mailbot.toml, then: systemctl enable --now mailbot"
  fi
fi
say "done"
