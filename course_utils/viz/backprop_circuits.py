"""Circuit diagrams: a Value expression drawn as the lecture draws it (notebook 01).

Gates are circles labelled with their operation, inputs are boxes labelled with their name,
and every wire carries its forward value above it (green) and its gradient below it (red).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..circuits import Value, topological_order
from ._axes import figure_of, subplots

__all__ = ["draw_circuit", "circuit_layout", "Layout", "VALUE_COLOR", "GRAD_COLOR"]

VALUE_COLOR = "#1b7a34"
GRAD_COLOR = "#c0262d"
_R = 0.32  # gate radius
_GAP_X, _GAP_Y, _STUB = 2.2, 1.3, 0.9


Node = Value | tuple[str, int, int, int]  # a gate or input, or a bend of a long wire
Point = tuple[float, float]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1


class Layout(NamedTuple):
    """pos: node -> (x, y); bends: (consumer, input index) -> points a long wire passes through."""

    pos: dict
    bends: dict


def _isotonic(z: np.ndarray) -> np.ndarray:
    """Least-squares non-decreasing fit of z (pool adjacent violators)."""
    blocks = []  # [mean, weight]
    for v in z:
        blocks.append([float(v), 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            (m2, w2), (m1, w1) = blocks.pop(), blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2])
    return np.concatenate([np.full(w, m) for m, w in blocks])


def _crossings(row: dict[Node, float], layer: dict[Node, int], links: list[tuple[Node, Node]]) -> int:
    """How many pairs of links (between neighbouring layers) cross."""
    count = 0
    for i, (a, b) in enumerate(links):
        for c, d in links[i + 1 :]:
            if layer[a] == layer[c] and a is not c and b is not d:
                count += (row[a] - row[c]) * (row[b] - row[d]) < 0
    return count


def _untangle(
    by_layer: dict[int, list[Node]],
    row: dict[Node, float],
    layer: dict[Node, int],
    links: list[tuple[Node, Node]],
    passes: int = 4,
) -> None:
    """Swap neighbours within a layer while that removes crossings (in place)."""
    best = _crossings(row, layer, links)
    for _ in range(passes):
        improved = False
        for nodes in by_layer.values():
            for i in range(len(nodes) - 1):
                nodes.sort(key=row.__getitem__)
                a, b = nodes[i], nodes[i + 1]
                row[a], row[b] = row[b], row[a]
                now = _crossings(row, layer, links)
                if now < best:
                    best, improved = now, True
                else:
                    row[a], row[b] = row[b], row[a]
        if not improved:
            return


def circuit_layout(root: Value, sweeps: int = 6) -> Layout:
    """Where to draw every node of ``root``'s graph: inputs on the left, output on the right.

    Inputs: root: the output Value; sweeps: how many right-and-back alignment passes.
    Returns: a Layout (positions in units where a gate has radius 0.32).

    Notes: a gate's layer is the longest path from the inputs; an input sits one layer left
    of its first consumer, so it stays near the gate it feeds. A wire that skips layers gets
    a bend point in each layer it crosses, so it is routed around gates, not through them.
    Sweeping right, each node moves to the mean height of its inputs (sweeping back, of its
    consumers), then a layer is pushed apart by the least amount that keeps its nodes
    ``_GAP_Y`` apart (an isotonic fit); the last sweep goes right, so a gate sits centred
    between its inputs. Finally neighbours are swapped while that removes crossings.
    """
    order = topological_order(root)
    layer: dict[Node, int] = {}
    uses: dict[Node, int] = dict.fromkeys(order, 0)
    for node in order:
        layer[node] = 1 + max((layer[c] for c in node.children), default=-1)
        for child in node.children:
            uses[child] += 1
    first_use: dict[Value, int] = {}
    for node in order:
        for child in node.children:
            first_use[child] = min(first_use.get(child, layer[node]), layer[node])
    for node in order:
        if not node.children and node in first_use:
            layer[node] = first_use[node] - 1
    nodes_all: list[Node] = list(order)
    links: list[tuple[Node, Node]] = []
    bends: dict[tuple[Value, int], list[Node]] = {}
    for node in order:
        for i, child in enumerate(node.children):
            prev: Node = child
            bends[node, i] = []
            for k in range(layer[child] + 1, layer[node]):
                bend = ("bend", id(node), i, k)
                layer[bend] = k
                nodes_all.append(bend)
                bends[node, i].append(bend)
                links.append((prev, bend))
                prev = bend
            links.append((prev, node))
    left: dict[Node, list[Node]] = {n: [] for n in nodes_all}
    right: dict[Node, list[Node]] = {n: [] for n in nodes_all}
    for a, b in links:
        right[a].append(b)
        left[b].append(a)
    by_layer: dict[int, list[Node]] = {}
    for n in nodes_all:
        by_layer.setdefault(layer[n], []).append(n)
    row = {n: float(i) * _GAP_Y for nodes in by_layer.values() for i, n in enumerate(nodes)}
    keys = sorted(by_layer)
    for sweep in range(2 * sweeps + 1):
        near = left if sweep % 2 == 0 else right
        for k in keys if sweep % 2 == 0 else keys[::-1]:
            nodes = by_layer[k]
            target = {n: np.mean([row[m] for m in near[n]] or [row[n]]) for n in nodes}
            nodes.sort(key=lambda n: (target[n], row[n]))
            gaps = [
                _GAP_Y if isinstance(a, Value) and isinstance(b, Value) else 0.6 * _GAP_Y
                for a, b in zip(nodes, nodes[1:])
            ]
            steps = np.concatenate([[0.0], np.cumsum(gaps)])
            row.update(zip(nodes, _isotonic(np.array([target[n] for n in nodes]) - steps) + steps))
    _untangle(by_layer, row, layer, links)
    x, column = 0.0, {}
    for k in range(keys[0], keys[-1] + 1):
        column[k] = x
        x += _GAP_X + (_STUB if any(uses.get(n, 0) > 1 for n in by_layer.get(k, ())) else 0.0)
    pos = {n: (column[layer[n]], -row[n]) for n in nodes_all}
    return Layout({n: pos[n] for n in order}, {e: [pos[b] for b in bs] for e, bs in bends.items()})


def _fmt(v: float, digits: int) -> str:
    return f"{0.0 if abs(v) < 0.5 * 10.0**-digits else v:.{digits}f}"


def _half_width(node: Value) -> float:
    return _R if node.children else 0.07 + 0.1 * max(1, len(_leaf_text(node)))


def _leaf_text(node: Value) -> str:
    return node.label or f"{node.data:g}"


class _Wire:
    """A straight or arc-shaped wire segment (quadratic Bezier) and the labels it carries."""

    def __init__(
        self,
        p0: Point,
        p1: Point,
        rad: float = 0.0,
        texts: tuple[str | None, str | None] = (None, None),
        prefer: Sequence[float] = (0.5,),
        arrow: bool = True,
    ) -> None:
        self.p0, self.p1 = np.array(p0, float), np.array(p1, float)
        d = self.p1 - self.p0
        self.c = (self.p0 + self.p1) / 2 + rad * np.array([d[1], -d[0]])
        self.rad, self.texts, self.prefer, self.arrow = rad, texts, prefer, arrow

    def at(self, t: float) -> np.ndarray:
        return (1 - t) ** 2 * self.p0 + 2 * t * (1 - t) * self.c + t**2 * self.p1

    def slope(self, t: float) -> float:
        d = 2 * (1 - t) * (self.c - self.p0) + 2 * t * (self.p1 - self.c)
        return d[1] / d[0] if abs(d[0]) > 1e-9 else 10.0

    def boxes(self, t: float, sizes: Sequence[tuple[float, float]]) -> list[Box | None]:
        """Rectangles (x0, y0, x1, y1) of the text above and below the wire at t (None: no text)."""
        (mx, my), slope = self.at(t), self.slope(t)
        out: list[Box | None] = []
        for above, (w, h) in zip((True, False), sizes):
            off = 0.05 + abs(slope) * w / 2
            y0 = my + off if above else my - off - h
            out.append((mx - w / 2, y0, mx + w / 2, y0 + h) if w else None)
        return out


def _overlap(a: Box, b: Box) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _place_labels(ax: Axes, wires: list[_Wire], obstacles: list[Box], unit_pt: float, fontsize: float) -> None:
    """Put each wire's labels at the position along it (in order of preference) that hits least."""
    ts = np.linspace(0.03, 0.97, 30)
    pts = np.concatenate([np.array([w.at(t) for t in ts]) for w in wires])
    owner = np.repeat(np.arange(len(wires)), len(ts))
    placed = list(obstacles)
    for wire in sorted((w for w in wires if any(w.texts)), key=lambda w: abs(w.slope(0.5))):
        sizes = [(0.58 * fontsize * len(s) / unit_pt, 1.2 * fontsize / unit_pt) if s else (0, 0) for s in wire.texts]
        best: tuple[float, float] | None = None
        for rank, t in enumerate(wire.prefer):
            boxes = [b for b in wire.boxes(t, sizes) if b is not None]
            cost = 0.001 * rank + sum(10 * _overlap(b, p) for b in boxes for p in placed)
            others = pts[owner != wires.index(wire)]
            cost += sum(
                0.01
                * np.sum((others[:, 0] > b[0]) & (others[:, 0] < b[2]) & (others[:, 1] > b[1]) & (others[:, 1] < b[3]))
                for b in boxes
            )
            if best is None or cost < best[0]:
                best = (cost, t)
        assert best is not None  # wire.prefer is not empty
        for box, text, color, va in zip(
            wire.boxes(best[1], sizes), wire.texts, (VALUE_COLOR, GRAD_COLOR), ("bottom", "top")
        ):
            if box is not None:
                placed.append(box)
                ax.text(
                    (box[0] + box[2]) / 2,
                    box[1] if va == "bottom" else box[3],
                    text or "",  # a box is made for a text only
                    color=color,
                    ha="center",
                    va=va,
                    fontsize=fontsize,
                    zorder=4,
                )


def draw_circuit(
    value: Value,
    ax: Axes | None = None,
    *,
    show_grad: bool | None = None,
    digits: int = 2,
    title: str | None = None,
    fontsize: float = 9.5,
) -> Figure:
    """Draw the computational graph of a Value: values above and gradients below each wire.

    Inputs:
    - value: the output Value of an expression (readable up to ~15 nodes).
    - ax: a matplotlib Axes to draw into, or None for a new figure sized to the graph.
    - show_grad: draw gradients; None means "if backward has been run" (value.grad != 0).
    - digits: decimals shown; title: the figure title; fontsize: size of the numbers.
    Returns: the Figure.

    Notes: below a wire into a gate is the gradient that gate sends back along it. A value
    used by several gates first runs through a short stub carrying its value and its total
    gradient; each branch then shows its own share, so "gradients add at a branch" can be
    read off as numbers that sum.
    """
    pos, bends = circuit_layout(value)
    show_grad = value.grad != 0 if show_grad is None else show_grad
    xs, ys = (np.array(v) for v in zip(*pos.values(), *[p for b in bends.values() for p in b]))
    if ax is None:
        width = np.ptp(xs) + 2.6
        scale = min(0.95, 15.0 / width)
        _, ax = subplots(figsize=(width * scale, (np.ptp(ys) + 1.9) * scale + 0.7))
    fig = figure_of(ax)
    ax.set_xlim(xs.min() - 0.8, xs.max() + 1.8)
    ax.set_ylim(ys.min() - 0.95, ys.max() + 0.95)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.apply_aspect()
    unit_pt = ax.get_window_extent().width / fig.dpi * 72 / np.ptp(ax.get_xlim())
    grad = (lambda g: _fmt(g, digits)) if show_grad else (lambda g: "")
    uses: dict[Value, list[tuple[Value, int]]] = {node: [] for node in pos}
    for node in pos:
        for i, child in enumerate(node.children):
            uses[child].append((node, i))

    wires, obstacles = [], []
    mid, late = (0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78), (0.62, 0.72, 0.5, 0.8, 0.4)
    for node, (x, y) in pos.items():
        start = (x + _half_width(node), y)
        value_text: str | None = _fmt(node.data, digits)
        if node is value:
            wires.append(_Wire(start, (start[0] + 1.3, y), texts=(value_text, grad(node.grad)), prefer=(0.45,)))
            if node.label:
                ax.text(start[0] + 1.4, y, node.label, ha="left", va="center", fontsize=fontsize + 2)
        elif len(uses[node]) > 1:
            branch = (start[0] + _STUB, y)
            wires.append(_Wire(start, branch, texts=(value_text, grad(node.grad)), arrow=False))
            ax.plot(*branch, "o", color="0.3", ms=3.5, zorder=2)
            start, value_text = branch, None
        for k, (consumer, i) in enumerate(uses[node]):
            twins = [j for j, (c, _) in enumerate(uses[node]) if c is consumer]
            rad = 0.0 if len(twins) == 1 else 0.4 * (1 if twins.index(k) == 0 else -1)
            points = [start, *bends[consumer, i], (pos[consumer][0] - _half_width(consumer), pos[consumer][1])]
            for p0, p1 in zip(points[:-2], points[1:-1]):
                wires.append(_Wire(p0, p1, arrow=False))
            texts = (value_text, grad(consumer.grad * consumer.local[i]))
            wires.append(_Wire(points[-2], points[-1], rad, texts, mid if value_text else late))
    for w in wires:
        ax.add_patch(
            FancyArrowPatch(
                tuple(w.p0),
                tuple(w.p1),
                arrowstyle="-|>" if w.arrow else "-",
                mutation_scale=11,
                connectionstyle=f"arc3,rad={w.rad}",
                color="0.3",
                lw=1.3,
                shrinkA=0,
                shrinkB=0,
                zorder=1,
            )
        )

    for node, (x, y) in pos.items():
        half = _half_width(node)
        obstacles.append((x - half, y - max(half, 0.22), x + half, y + max(half, 0.22)))
        if node.children:
            ax.add_patch(Circle((x, y), _R, fc="#f4f1ea", ec="0.25", lw=1.3, zorder=3))
            size = 13 if len(node.op) <= 2 else 10.5 if len(node.op) <= 4 else 8
            ax.text(x, y, node.op, ha="center", va="center", fontsize=size, zorder=5)
        else:
            ax.add_patch(
                FancyBboxPatch(
                    (x - half, y - 0.2),
                    2 * half,
                    0.4,
                    boxstyle="round,pad=0.02",
                    fc="#e8eef7",
                    ec="0.35",
                    lw=1.1,
                    zorder=3,
                )
            )
            ax.text(x, y, _leaf_text(node), ha="center", va="center", fontsize=fontsize + 2, zorder=5)
    _place_labels(ax, wires, obstacles, unit_pt, fontsize)

    ax.set_title(title if title is not None else "Computational graph", fontsize=fontsize + 2)
    handles = [
        Line2D([], [], color=VALUE_COLOR, marker="s", ls="", label="forward value (above each wire)"),
        Line2D(
            [],
            [],
            color=GRAD_COLOR,
            marker="s",
            ls="",
            label="gradient of the output (below each wire)" + ("" if show_grad else ": run .backward()"),
        ),
    ]
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncol=2,
        frameon=False,
        fontsize=fontsize,
        handletextpad=0.3,
        columnspacing=1.5,
    )
    return fig
