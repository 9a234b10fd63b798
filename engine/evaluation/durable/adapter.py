"""The one place that talks to durable_rules, and owns all of its quirks.

Measured hazards of durable-rules 2.0.28 (shared/research/engines.md §1.8–1.9, §6) and the
guard for each:

- Timer threads run actions asynchronously → `_QuietHost` never starts them; actions run
  inline on the calling thread, so a result never depends on timing.
- Events are consumed by the first matching rule → only facts are asserted.
- `$or` fires once per true branch → firings are a set of (rule id, fact id).
- More than 64 activations per fact → error 303, no action runs, and the process may abort
  later → the compiler bounds activations per partition; a 303 or 302 marks this adapter
  unusable instead of touching the damaged session again.
- At most 1,024 live sessions per ruleset, and corruption past it → one session per
  submission, deleted in `finally`, and a hard ceiling on live sessions.
- `delete_state` after an unhandled fact segfaults → every partition has a sentinel rule
  that handles every fact, and a session is deleted only if a fact was handled.
- A rule matching the session state loops forever → every pattern requires `_k`, a key the
  state never has.
- Exceptions in actions are swallowed into the state → actions catch and record their own
  errors, the state's `exception` is checked after each assertion, and both raise EngineError.
- Rulesets can never be redefined or freed, and `set_rulesets` mutates its input → one
  registration per distinct rules file content per process (names carry the content hash),
  definitions deep-copied first.
- Strings compare as numbers, `True < 60` holds, null never matches → the submission is
  validated strictly before it gets here, and the compiler encodes values (see program.encode).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from durable import engine as _durable

from engine.errors import EngineError
from engine.evaluation.checks import CompiledRuleset
from engine.evaluation.durable.program import Program, build_program, fact_values
from engine.ruleset.conditions import Value

MAX_LIVE_SESSIONS = 900  # below durable's 1,024 per ruleset, where it corrupts itself

Firing = tuple[str, int]  # (rule id, fact id: 0 = the indicators fact, n = n-th record)


class _QuietHost(_durable.Host):
    """A durable Host with no timer threads: every action runs inside assert_fact."""

    def __init__(self, resolve: Callable[[str], Callable[[Any], None]]):
        self._resolve = resolve
        super().__init__()

    def _run(self) -> None:  # the base class starts two re-arming timer threads here
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        return self._resolve(action_name)


class DurableAdapter:
    """Registers compiled rulesets once and evaluates submissions against them."""

    def __init__(self) -> None:
        self._host = _QuietHost(self._action)
        self._prefixes: dict[str, tuple[str, Program]] = {}
        self._sink: set[Firing] = set()
        self._errors: list[str] = []
        self._sids = itertools.count(1)
        self._live = 0
        self._broken: str | None = None
        self._serial = itertools.count(1)
        self.action_threads: set[int] = set()
        self.fault: Callable[[str], None] | None = None  # test hook: raise inside an action

    # -- registration ----------------------------------------------------------------------

    def _action(self, name: str) -> Callable[[Any], None]:
        if name == "sentinel":
            return _noop
        if not name.startswith("fire:"):
            raise EngineError(f"内部错误：未知的规则动作 {name}")
        rule_id = name[len("fire:") :]

        def fire(c: Any) -> None:
            try:
                self.action_threads.add(threading.get_ident())
                if self.fault is not None:
                    self.fault(rule_id)
                self._sink.add((rule_id, int(c.m["_fid"])))
            except BaseException as exc:  # durable would swallow it; keep it and raise after
                self._errors.append(f"{rule_id}: {type(exc).__name__}: {exc}")

        return fire

    def program_for(self, compiled: CompiledRuleset) -> tuple[str, Program]:
        key = compiled.cache_key
        hit = self._prefixes.get(key)
        if hit is None:
            prefix = f"rs{next(self._serial)}_{key[:12]}"
            program = build_program(compiled)
            # made anew on each call: durable deletes each rule's `run` from what it is given
            definitions = program.definitions(prefix)
            try:
                self._host.set_rulesets(definitions)
            except Exception as exc:
                raise EngineError(f"规则引擎拒绝了编译后的规则集：{exc}") from exc
            hit = self._prefixes[key] = (prefix, program)
        return hit

    # -- evaluation ------------------------------------------------------------------------

    def run(
        self,
        compiled: CompiledRuleset,
        values: dict[str, Value],
        records: dict[str, list[dict[str, Value]]],
    ) -> set[Firing]:
        """Assert a submission's facts and return the checks that fired."""
        if self._broken:
            raise EngineError(f"规则引擎在本进程中已不可用（{self._broken}）；请重新运行")
        prefix, program = self.program_for(compiled)
        sid = str(next(self._sids))
        self._sink = set()
        self._errors = []
        for part in program.partitions:
            name = f"{prefix}_{part.index}"
            if part.record_list is None:
                facts = [dict(fact_values(values, program.keys, part.names), _fid=0)]
            else:
                keys = program.field_keys[part.record_list]
                facts = [
                    dict(fact_values(rec, keys, part.names), _fid=n + 1)
                    for n, rec in enumerate(records.get(part.record_list, []))
                ]
            if facts:
                self._assert_all(name, sid, part.kind, facts)
        if self._errors:
            raise EngineError("规则动作执行出错：" + "；".join(self._errors))
        return self._sink

    def _assert_all(self, name: str, sid: str, kind: str, facts: list[dict[str, Any]]) -> None:
        if self._live >= MAX_LIVE_SESSIONS:
            raise EngineError("规则引擎会话数达到上限")
        handled = False
        self._live += 1
        try:
            for fact in facts:
                fact.update(sid=sid, _k=kind)
                try:
                    state = self._host.assert_fact(name, fact)
                except _durable.MessageNotHandledException:
                    self._broken = "有事实未被处理"
                    raise EngineError("内部错误：规则引擎未处理申报数据（哨兵规则失效）") from None
                except MemoryError:
                    self._broken = "会话数超限"
                    raise EngineError("规则引擎内存不足（会话数超限）") from None
                except Exception as exc:
                    text = str(exc)
                    if "error code: 303" in text or "error code: 302" in text:
                        self._broken = f"引擎错误 {text}"
                    raise EngineError(f"规则引擎出错：{text}") from exc
                handled = True
                if isinstance(state, dict) and state.get("exception"):
                    raise EngineError(f"规则动作执行出错：{state['exception']}")
        finally:
            if handled and not self._broken:
                try:
                    self._host.delete_state(name, sid)
                except Exception as exc:  # a session we cannot delete would leak towards the limit
                    self._broken = f"无法清除会话：{exc}"
                    raise EngineError(f"规则引擎无法清除会话：{exc}") from exc
                self._live -= 1


def _noop(c: Any) -> None:
    return None


_ADAPTER: DurableAdapter | None = None


def adapter() -> DurableAdapter:
    """The process's adapter (durable_rules keeps global C state; one host per process)."""
    global _ADAPTER
    if _ADAPTER is None:
        _ADAPTER = DurableAdapter()
    return _ADAPTER


def started() -> bool:
    """Whether this process has made durable_rules state (a process copied from it would share it)."""
    return _ADAPTER is not None
