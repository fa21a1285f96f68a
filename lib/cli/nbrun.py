"""Headless notebook driver for `deno task notebooks` (lib/cli/notebooks.ts).

Executes notebooks cell by cell on their own kernel (kernelspec from the notebook metadata, cwd = the
notebook's folder) and writes the executed copy to --out (never in place). Unlike `jupyter nbconvert
--execute`, it does not trust the kernel's status:idle as the end of a cell's output: the Deno kernel can
publish its execute_result after idle. Every iopub message is routed to its cell by parent msg_id for the
whole session, a cell ends only when its execute_reply and its idle have arrived AND the iopub channel
has been quiet for --quiet seconds, and a cell that must print but has nothing yet gets up to --late more
seconds before moving on. After the last cell the channel is drained once more.

A notebook fails when a cell errors, times out, the kernel dies, or a code cell produced no output
(every code cell must show something unless it carries the tag "no-output").

Usage: python3 nbrun.py --out DIR [--timeout S] [--quiet S] [--late S] NOTEBOOK.ipynb...
Needs Debian python3-nbclient / python3-nbformat / python3-jupyter-client (see notebooks:setup).
"""

import argparse
import os
import queue
import re
import sys
import tempfile
import time

import nbformat
from jupyter_client.manager import KernelManager
from nbformat.v4 import output_from_msg

OUTPUT_TYPES = {"stream", "display_data", "execute_result", "error", "update_display_data", "clear_output"}


class CellState:
    """Outputs and completion flags of one executing cell."""

    def __init__(self, index, cell):
        self.index = index
        self.cell = cell
        self.idle = False
        self.reply = None
        self.last_msg = time.monotonic()
        self.clear_pending = False
        cell.outputs = []


class Session:
    """One kernel executing one notebook."""

    def __init__(self, nb, nb_path, args, log_file):
        self.nb = nb
        self.args = args
        self.by_msg = {}
        self.display_ids = {}
        self.late_outputs = 0
        kernel_name = nb.metadata.get("kernelspec", {}).get("name", "deno")
        self.km = KernelManager(kernel_name=kernel_name)
        self.km.start_kernel(cwd=os.path.dirname(os.path.abspath(nb_path)), stdout=log_file, stderr=log_file)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=args.startup)

    def close(self):
        try:
            self.kc.stop_channels()
        finally:
            self.km.shutdown_kernel(now=True)

    def route(self, msg):
        """Files one iopub message under the cell that sent the request it answers."""
        state = self.by_msg.get(msg["parent_header"].get("msg_id"))
        if state is None:
            return
        state.last_msg = time.monotonic()
        kind = msg["msg_type"]
        content = msg["content"]
        if kind == "status":
            if content.get("execution_state") == "idle":
                state.idle = True
            return
        if kind == "execute_input":
            state.cell.execution_count = content.get("execution_count")
            return
        if kind not in OUTPUT_TYPES:
            return
        if state.idle:
            self.late_outputs += 1
        if kind == "clear_output":
            if content.get("wait"):
                state.clear_pending = True
            else:
                state.cell.outputs = []
            return
        if kind == "update_display_data":
            self.update_display(content)
            return
        if state.clear_pending:
            state.cell.outputs = []
            state.clear_pending = False
        out = output_from_msg(msg)
        outputs = state.cell.outputs
        if kind == "stream" and outputs and outputs[-1].output_type == "stream" and outputs[-1].name == out.name:
            outputs[-1].text += out.text
        else:
            outputs.append(out)
        display_id = content.get("transient", {}).get("display_id")
        if display_id:
            self.display_ids.setdefault(display_id, []).append(out)

    def update_display(self, content):
        for out in self.display_ids.get(content.get("transient", {}).get("display_id"), []):
            out.data = content.get("data", {})
            out.metadata = content.get("metadata", {})

    def pump(self, wait):
        """Routes every pending iopub message (waiting up to `wait` s for the first) and shell replies."""
        try:
            self.route(self.kc.get_iopub_msg(timeout=wait))
            while True:
                self.route(self.kc.get_iopub_msg(timeout=0))
        except queue.Empty:
            pass
        while True:
            try:
                msg = self.kc.get_shell_msg(timeout=0)
            except queue.Empty:
                break
            state = self.by_msg.get(msg["parent_header"].get("msg_id"))
            if state is not None and msg["msg_type"] == "execute_reply":
                state.reply = msg["content"]
                state.last_msg = time.monotonic()

    def run_cell(self, index, cell):
        """Executes one code cell; returns None on success or a failure message."""
        state = CellState(index, cell)
        self.by_msg[self.kc.execute(cell.source, store_history=True, allow_stdin=False)] = state
        start = time.monotonic()
        deadline = start + self.args.timeout
        late_until = None
        while True:
            self.pump(0.05)
            now = time.monotonic()
            if state.reply is not None and state.idle and now - state.last_msg >= self.args.quiet:
                if has_output(cell) or not expects_output(cell):
                    break
                late_until = late_until or now + self.args.late
                if now >= late_until:
                    break
            if now > deadline:
                self.km.interrupt_kernel()
                return f"timed out after {self.args.timeout:g} s"
            if not self.km.is_alive():
                return "kernel died"
        if state.reply.get("status") == "error":
            return f"{state.reply.get('ename', 'Error')}: {strip_ansi(state.reply.get('evalue', ''))}"
        if state.reply.get("status") != "ok":
            return f"execute_reply status {state.reply.get('status')}"
        return None

    def drain(self):
        """Final wait for messages that arrive after the last cell finished."""
        until = time.monotonic() + self.args.quiet
        while time.monotonic() < until:
            self.pump(0.05)


def strip_ansi(text):
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def expects_output(cell):
    return "no-output" not in cell.metadata.get("tags", [])


def has_output(cell):
    for out in cell.outputs:
        if out.output_type == "stream" and out.text.strip():
            return True
        if out.output_type in ("display_data", "execute_result") and any(
            (v if isinstance(v, str) else str(v)).strip() for v in out.get("data", {}).values()
        ):
            return True
        if out.output_type == "error":
            return True
    return False


def first_line(cell):
    lines = [ln for ln in cell.source.splitlines() if ln.strip()]
    return (lines[0][:70] if lines else "<empty>").strip()


def write_atomic(nb, path):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            nbformat.write(nb, f)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def run_notebook(path, args):
    """Executes one notebook; returns a list of failure messages (empty on success)."""
    name = os.path.splitext(os.path.basename(path))[0]
    nb = nbformat.read(path, as_version=4)
    out_path = os.path.join(args.out, name + ".ipynb")
    log_path = os.path.join(args.out, name + ".kernel.log")
    code_cells = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    failures = []
    t0 = time.monotonic()
    late = 0
    with open(log_path, "w", encoding="utf-8") as log_file:
        try:
            session = Session(nb, path, args, log_file)
        except Exception as e:  # noqa: BLE001 - reported as a notebook failure
            return [f"{name}: kernel did not start: {e} (see {log_path})"]
        try:
            for n, (i, cell) in enumerate(code_cells, 1):
                t = time.monotonic()
                err = session.run_cell(i, cell)
                print(f"  [{name}] cell {n}/{len(code_cells)} {time.monotonic() - t:6.1f} s  {first_line(cell)}",
                      flush=True)
                if err:
                    failures.append(f"{name}: cell {n} ({first_line(cell)}): {err}")
                    break
            session.drain()
            late = session.late_outputs
        finally:
            session.close()
    if not failures:
        for n, (i, cell) in enumerate(code_cells, 1):
            if expects_output(cell) and not has_output(cell):
                failures.append(f"{name}: cell {n} ({first_line(cell)}) produced no output "
                                "(tag it \"no-output\" if that is intended)")
    write_atomic(nb, out_path)
    status = "FAILED" if failures else "ok"
    note = f" ({late} output message(s) arrived after their cell's idle and were kept)" if late else ""
    print(f"[{name}] {status} in {time.monotonic() - t0:.1f} s -> {out_path}{note}", flush=True)
    return failures


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--out", required=True, help="folder for executed copies and kernel logs")
    ap.add_argument("--timeout", type=float, default=300, help="per-cell timeout in seconds")
    ap.add_argument("--quiet", type=float, default=0.5, help="iopub silence that ends a cell, seconds")
    ap.add_argument("--late", type=float, default=5, help="extra wait for a cell that must print, seconds")
    ap.add_argument("--startup", type=float, default=120, help="kernel start timeout, seconds")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    failures = []
    for path in args.notebooks:
        failures += run_notebook(path, args)
    if failures:
        print("\nnotebook failures:", file=sys.stderr)
        for f in failures:
            print("  " + f, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
