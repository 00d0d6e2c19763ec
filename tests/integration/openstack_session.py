"""One process of Debian's openstack CLI (python3-openstackclient, unmodified)
serving many commands, as its own interactive mode does: the CLI starts once,
authenticates once, and runs each command through its parser, plugins and
formatters (OpenStackShell.run for the first, run_subcommand after it).

Run by tests/integration/openstack_cli.sh with the interpreter of the
`openstack` script. Requests on stdin: a line with the number of arguments,
then one argument per line. Each command's stdout and stderr go to the files
OUT and ERR (rewritten per command); its exit status is answered on the
original stdout, one line per command. Exits at the end of stdin.

  openstack_session.py OUT ERR
"""
import os
import sys

from openstackclient import shell


def run(app, argv, first):
    try:
        return app.run(argv) if first else app.run_subcommand(argv)
    except SystemExit as e:  # argparse's usage errors, as `openstack` exits
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Exception as e:  # what OpenStackShell.run logs and returns 1 for
        print(f"openstack_session: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def main():
    out_path, err_path = sys.argv[1], sys.argv[2]
    replies = os.fdopen(os.dup(1), "w")
    app = shell.OpenStackShell()
    while True:
        count = sys.stdin.readline()
        if not count:
            return 0
        argv = [sys.stdin.readline().rstrip("\n") for _ in range(int(count))]
        with open(out_path, "w") as out, open(err_path, "w") as err:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(out.fileno(), 1)
            os.dup2(err.fileno(), 2)
            rc = run(app, argv, first=app.client_manager is None)
            sys.stdout.flush()
            sys.stderr.flush()
        replies.write(f"{rc}\n")
        replies.flush()


if __name__ == "__main__":
    sys.exit(main())
