"""The words of ticket exports: states, priorities, kinds, ratings, and Jira's localised headers.

Labels are compared with :func:`label_key` (case-insensitive; spaces, ``_`` and ``-``
alike). Mapping a column of labels goes through its *distinct* values (a handful) in
Python, then is applied vectorised, so it costs nothing on a million rows.

How each label becomes a value, in order:

1. the mapping file's ``[values]`` tables, then the format's own table (ServiceNow's
   numeric state codes, Zendesk's statuses…);
2. the words below, which are the tools' standard labels in English, Spanish, French,
   German and Portuguese;
3. for states only, a **guess from the wording** ("Waiting on Acme" and "Awaiting parts"
   are pauses, "Pending approval" too) or a fallback the format provides (Jira's status
   category). Guesses are fine, silent guesses are not: every label mapped that way is
   listed in a warning and in the run's details with its count and the mapping line that
   overrides it.

An unknown state is an error (guessing a state would distort pause and backlog figures
with no word); an unknown priority becomes empty, and an unknown kind the format's default,
each with a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from teamalign.ingest.table import Table, first_true, nulls, row_error

KINDS = ("incident", "request", "change", "problem")
STATES = ("new", "in_progress", "on_hold", "resolved", "closed", "canceled")


def label_key(label: str) -> str:
    """How labels are compared: case-insensitive; spaces, ``_`` and ``-`` alike."""
    return " ".join(re.sub(r"[\s_\-]+", " ", label.casefold()).split())


def _words(table: Mapping[Any, str]) -> dict[str, Any]:
    """``{value: "word, word"}`` → ``{label_key(word): value}``."""
    return {label_key(word): value for value, words in table.items()
            for word in words.split(",") if word.strip()}


# --------------------------------------------------------------------------- priorities

_PRIORITY_WORDS = _words({
    1: "critical, urgent, highest, blocker, emergency, "
       "más alta, mas alta, máxima, maxima, crítica, critica, urgente, "
       "très haute, tres haute, la plus haute, critique, bloquant, "
       "höchste, hoechste, kritisch, dringend, "
       "mais alta, altíssima, altissima, bloqueador",
    2: "high, major, alta, haute, élevée, elevee, hoch, grave",
    3: "medium, moderate, normal, media, moyenne, mittel, média, normale",
    4: "low, minor, baja, basse, faible, niedrig, baixa, mineure",
    5: "lowest, planning, trivial, very low, más baja, mas baja, mínima, minima, très basse, "
       "tres basse, la plus basse, niedrigste, mais baixa",
})
_LEADING_DIGIT = re.compile(r"^p?\s*([1-5])(?:\b|\s|$)")


def priority_of(label: str) -> int | None:
    """``1 - Critical`` → 1, ``P2`` → 2, ``High`` → 2, ``Normal`` → 3; None if unknown."""
    key = label_key(label)
    match = _LEADING_DIGIT.match(key)
    if match:
        return int(match.group(1))
    return _PRIORITY_WORDS.get(key)


# --------------------------------------------------------------------------- states

_STATE_WORDS = _words({
    "new": "new, to do, todo, backlog, draft, submitted, logged, unassigned, "
           "por hacer, tareas por hacer, nuevo, nueva, "
           "à faire, a faire, nouveau, nouvelle, "
           "zu erledigen, neu, aufgaben, "
           "a fazer, itens pendentes, tarefas pendentes, novo, nova",
    "in_progress": "open, active, in progress, work in progress, wip, assigned, waiting for support, "
                   "waiting on support, escalated, under investigation, investigating, reopened, "
                   "re opened, assess, authorize, scheduled, implement, review, root cause analysis, "
                   "fix in progress, in review, triage, accepted, selected for development, "
                   "work in process, "
                   "abierto, abierta, en curso, en progreso, esperando asistencia, esperando soporte, "
                   "esperando por soporte, reabierto, reabierta, escalado, "
                   "ouvert, ouverte, en cours, en attente d'assistance, en attente du support, "
                   "en attente de support, rouvert, réouvert, "
                   "offen, in arbeit, in bearbeitung, warten auf support, wartet auf support, "
                   "wieder geöffnet, "
                   "aberto, aberta, em andamento, em progresso, aguardando suporte, "
                   "aguardando pelo suporte, reaberto",
    "on_hold": "on hold, hold, pending, paused, deferred, suspended, "
               # the waiting states the tools ship (ServiceNow, Jira Service Management,
               # Freshdesk, Zendesk): defined, so not guesses
               "awaiting user info, awaiting problem, awaiting vendor, awaiting evidence, "
               "awaiting caller, awaiting change, awaiting customer, awaiting approval, "
               "waiting for customer, waiting for approval, waiting on customer, "
               "waiting on third party, waiting for third party, pending approval, "
               "pending customer, pending vendor, "
               "pendiente, en espera, esperando al cliente, esperando por el cliente, "
               "en attente, en attente du client, "
               "ausstehend, wartend, warten auf kunden, wartet auf kunden, angehalten, "
               "pendente, em espera, aguardando cliente, aguardando pelo cliente",
    "resolved": "resolved, solved, done, completed, complete, fixed, fulfilled, "
                "resuelto, resuelta, hecho, listo, finalizado, finalizada, completado, "
                "résolu, résolue, resolu, terminé, terminée, termine, "
                "gelöst, geloest, erledigt, fertig, abgeschlossen, "
                "resolvido, resolvida, concluído, concluido, feito, itens concluídos",
    "closed": "closed, closed complete, closed incomplete, closed successful, closed unsuccessful, "
              "archived, cerrado, cerrada, fermé, fermée, ferme, geschlossen, fechado, fechada",
    "canceled": "canceled, cancelled, won't do, wont do, won't fix, declined, rejected, withdrawn, "
                "closed skipped, closed cancelled, closed canceled, obsolete, "
                "cancelado, cancelada, rechazado, rechazada, annulé, annulée, refusé, refusée, "
                "abgebrochen, storniert, abgelehnt, recusado, recusada",
})

#: Beginnings of a label that mean the ticket waits on someone else (a pause), in the
#: languages above. Waiting *for support* is in the table: the ball is with IT.
_PAUSE_PREFIXES = tuple(label_key(p) + " " for p in (
    "awaiting", "waiting", "pending", "on hold", "esperando", "en espera", "pendiente de",
    "en attente", "wartet auf", "warten auf", "aguardando", "pendente de"))


def state_of(label: str) -> str | None:
    """Normalise a state label by its exact wording; None when it is not a known label."""
    return _STATE_WORDS.get(label_key(label))


def state_guess(label: str) -> str | None:
    """A guess from the wording of a label :func:`state_of` does not know ("Awaiting …",
    "Waiting on …", "Pending …" are pauses); None when the wording says nothing."""
    key = label_key(label)
    if key.startswith(_PAUSE_PREFIXES):
        return "on_hold"
    return None


# --------------------------------------------------------------------------- kinds

_KIND_WORDS = _words({
    "incident": "incident, incidents, incident report, fault, outage, report a system problem, bug, "
                "incidente, incidencia, avería, averia, vorfall, störung, stoerung, panne, falha",
    "request": "request, service request, service requests, service request with approvals, sc req item, "
               "sc request, sc task, requested item, request item, catalog task, question, task, "
               "sub task, subtask, get it help, it help, access, new feature, support, "
               "solicitud, solicitud de servicio, petición de servicio, peticion de servicio, tarea, "
               "subtarea, pregunta, demande, demande de service, tâche, tache, sous tâche, question, "
               "anfrage, serviceanfrage, service anfrage, aufgabe, unteraufgabe, frage, "
               "solicitação, solicitacao, solicitação de serviço, requisição de serviço, "
               "requisicao de servico, tarefa, subtarefa, pergunta",
    "change": "change, change request, changes, normal change, standard change, emergency change, "
              "change task, cambio, solicitud de cambio, changement, demande de changement, "
              "änderung, aenderung, änderungsanfrage, mudança, mudanca, requisição de mudança",
    "problem": "problem, problems, problem task, post incident review, problema, problème, probleme",
})
_SYSTEM_PREFIXES = ("[system] ", "[sistema] ", "[système] ", "[systeme] ")


def kind_of(label: str) -> str | None:
    """Normalise a ticket type / class label; None when unknown."""
    key = label_key(label)
    for prefix in _SYSTEM_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
    if key in KINDS:
        return key
    return _KIND_WORDS.get(key)


#: Number prefixes of ServiceNow and Freshservice; longer prefixes first where one starts
#: another.
_NUMBER_PREFIX_KINDS = (
    ("SCTASK", "request"), ("RITM", "request"), ("REQ", "request"), ("TASK", "request"),
    ("SR", "request"), ("INC", "incident"), ("CTASK", "change"), ("CHG", "change"),
    ("CHN", "change"), ("PTASK", "problem"), ("PRB", "problem"),
)


def kind_from_number(numbers: pl.Series) -> pl.Series:
    """Kind from a ticket number's prefix: INC → incident, RITM → request, CHG → change…

    A chain of ``starts_with`` checks (no regex, no new strings) keeps this cheap on a
    million numbers. Unknown prefixes give null.
    """
    expr = pl.lit(None, dtype=pl.Utf8)
    for prefix, kind in reversed(_NUMBER_PREFIX_KINDS):
        expr = pl.when(pl.col("n").str.starts_with(prefix)).then(pl.lit(kind)).otherwise(expr)
    return pl.DataFrame({"n": numbers}).select(expr.alias("kind")).to_series()


# --------------------------------------------------------------------------- ratings and verdicts

#: 1–5 stars (Jira, Zendesk CSAT) → the 0–10 scale of post-ticket happiness, so that only
#: 5 stars counts as a promoter (9–10) and 1–3 stars as detractors (0–6).
STARS_TO_RATING = {1: 0, 2: 3, 3: 5, 4: 8, 5: 10}

_VERDICT_WORDS = _words({
    True: "sla violated, violated, breached, missed, overdue, yes, true, 1, failed",
    False: "within sla, met, achieved, not breached, no, false, 0, ok, on time",
})


def breached_of(label: str) -> bool | None:
    """A tool's SLA verdict → True (breached), False (met), None (unknown or not yet)."""
    return _VERDICT_WORDS.get(label_key(label))


# --------------------------------------------------------------------------- mapping a column


def _lookup(overrides: Mapping[str, Any] | None, label: str) -> tuple[bool, Any]:
    if overrides:
        key = label_key(label)
        if key in overrides:
            return True, overrides[key]
    return False, None


def map_labels(raw: pl.Series, rule: Callable[[str], Any], *, dtype: pl.DataType,
               overrides: Mapping[str, Any] | None = None) -> tuple[pl.Series, list[str]]:
    """Map a label column through ``rule`` (after ``overrides``), distinct values only.

    Returns the mapped column and the labels nobody knew.
    """
    mapping: dict[str, Any] = {}
    unknown: list[str] = []
    for label in raw.drop_nulls().unique().sort().to_list():
        hit, value = _lookup(overrides, label)
        if not hit:
            value = rule(label)
        if value is None:
            unknown.append(label)
        else:
            mapping[label] = value
    if not mapping:
        return nulls(raw.name, raw.len(), dtype), unknown
    return raw.replace_strict(mapping, default=None, return_dtype=dtype), unknown


def strip_labels(raw: pl.Series) -> pl.Series:
    """Strip surrounding spaces from a label column through its distinct values (a handful),
    so ``"Closed "`` and ``"Closed"`` are one raw label."""
    labels = raw.drop_nulls().unique().to_list()
    fixes = {label: (label.strip() or None) for label in labels if label != label.strip()}
    return raw.replace(fixes) if fixes else raw


def count_labels(raw: pl.Series, labels: Sequence[str], limit: int = 10) -> str:
    counts = raw.filter(raw.is_in(list(labels))).value_counts(sort=True)
    parts = [f"'{v}' ({n} row{'s' if n != 1 else ''})" for v, n in counts.iter_rows()]
    more = f" and {len(parts) - limit} more" if len(parts) > limit else ""
    return ", ".join(parts[:limit]) + more


def normalise_priority(raw: pl.Series, warnings: list[str], *,
                       overrides: Mapping[str, Any] | None = None) -> pl.Series:
    """Priority labels → 1..5 (Int8); unknown labels → null, listed in a warning."""
    priority, unknown = map_labels(raw, priority_of, dtype=pl.Int8, overrides=overrides)
    if unknown:
        warnings.append("priority labels not recognised, left without a priority: "
                        f"{count_labels(raw, unknown)}; map them in a mapping file "
                        "([values.priority])")
    return priority


@dataclass
class StateGuesses:
    """Labels mapped by a guess, for the warning and the run's details."""

    found: list[dict] = field(default_factory=list)

    def add(self, raw: pl.Series, labels: Mapping[str, str], how: str) -> None:
        if not labels:
            return
        counts = dict(raw.filter(raw.is_in(list(labels))).value_counts().iter_rows())
        for label, state in sorted(labels.items()):
            self.found.append({"label": label, "state": state, "rows": int(counts.get(label, 0)),
                               "how": how})

    def warn(self, warnings: list[str]) -> None:
        if not self.found:
            return
        parts = [f"'{g['label']}' → {g['state']} ({g['rows']:,} row{'s' if g['rows'] != 1 else ''}"
                 f"{', from its ' + g['how'] if g['how'] != 'wording' else ''})"
                 for g in sorted(self.found, key=lambda g: -g["rows"])[:15]]
        more = f" and {len(self.found) - 15} more" if len(self.found) > 15 else ""
        example = self.found[0]
        other = "in_progress" if example["state"] != "in_progress" else "on_hold"
        warnings.append(
            "state labels this tool does not define were mapped by a guess from their wording: "
            f"{', '.join(parts)}{more}. If a guess is wrong, map the label in a mapping file, "
            f"e.g. [values.state] \"{example['label']}\" = \"{other}\"")


def normalise_state(table: Table, raw: pl.Series, column: str, *,
                    overrides: Mapping[str, Any] | None = None,
                    fallback: pl.Series | None = None, fallback_name: str = "status category",
                    guesses: StateGuesses | None = None) -> pl.Series:
    """State labels → one of :data:`STATES`; an empty or unknown label is an error.

    Labels nobody defines are guessed from their wording, then ``fallback`` (already
    normalised, e.g. Jira's status category) fills what is left; both kinds of guess are
    recorded in ``guesses``.
    """
    state, unknown = map_labels(raw, state_of, dtype=pl.Utf8, overrides=overrides)
    if unknown:
        worded = {label: state_guess(label) for label in unknown}
        worded = {label: guess for label, guess in worded.items() if guess}
        if worded:
            state = state.fill_null(raw.replace_strict(worded, default=None, return_dtype=pl.Utf8))
            if guesses is not None:
                guesses.add(raw, worded, "wording")
        left = [label for label in unknown if label not in worded]
        if fallback is not None and left:
            filled = state.is_null() & raw.is_in(left) & fallback.is_not_null()
            if filled.any():
                state = state.fill_null(fallback)
                if guesses is not None:
                    pairs = pl.DataFrame({"label": raw.filter(filled), "state": fallback.filter(filled)})
                    by_label = dict(pairs.unique("label", keep="first").iter_rows())
                    guesses.add(raw, by_label, fallback_name)
    missing = state.is_null()
    if missing.any():
        index = first_true(missing)
        label = raw[index]
        if label is None:
            raise row_error(table, index, column, "the state is empty")
        raise row_error(
            table, index, column,
            f"unknown state '{label}'. Known states are {', '.join(STATES)}; map this label in a "
            f"mapping file, e.g. [values.state] \"{label}\" = \"in_progress\"")
    return state


def normalise_kind(raw: pl.Series | None, warnings: list[str], *, default: str,
                   height: int, overrides: Mapping[str, Any] | None = None,
                   fallback: pl.Series | None = None) -> pl.Series:
    """Type labels → one of :data:`KINDS`; unknown or empty → ``fallback`` then ``default``,
    with a warning listing unknown labels."""
    if raw is None:
        kind = nulls("kind", height, pl.Utf8)
    else:
        kind, unknown = map_labels(raw, kind_of, dtype=pl.Utf8, overrides=overrides)
        if unknown:
            warnings.append(f"ticket types not recognised, imported as '{default}': "
                            f"{count_labels(raw, unknown)}; map them in a mapping file "
                            "([values.kind])")
    if fallback is not None:
        kind = kind.fill_null(fallback)
    return kind.fill_null(default)


def normalise_verdicts(table: Table, column: str | None, warnings: list[str]) -> pl.Series:
    """A tool's SLA verdict column → Boolean (True = breached); unknown words are ignored
    with a warning."""
    if column is None:
        return nulls("", table.height, pl.Boolean)
    raw = strip_labels(table.df.get_column(column))
    verdict, unknown = map_labels(raw, breached_of, dtype=pl.Boolean)
    if unknown:
        warnings.append(f"values of '{table.header_of(column)}' that are not an SLA verdict were "
                        f"ignored: {count_labels(raw, unknown)}")
    return verdict


# --------------------------------------------------------------------------- Jira in other languages

#: Jira's CSV headers as its interface writes them in Spanish, French, German and
#: Portuguese (Brazil), for each English header the importer reads. Jira Cloud's 2025
#: "work item" wording is listed with the English.
JIRA_HEADERS: dict[str, tuple[str, ...]] = {
    "Issue key": ("Work item key", "Key", "Clave de incidencia", "Clave de la incidencia", "Clave",
                  "Clé de ticket", "Clé du ticket", "Clé", "Vorgangsschlüssel", "Schlüssel",
                  "Chave do item", "Chave da item", "Chave do ticket", "Chave"),
    "Summary": ("Resumen", "Résumé", "Zusammenfassung", "Resumo"),
    "Issue Type": ("Work type", "Work item type", "Tipo de incidencia", "Tipo de Incidencia",
                   "Type de ticket", "Vorgangstyp", "Tipo de item", "Tipo de ticket"),
    "Status": ("Estado", "État", "Etat", "Statut", "Status"),
    "Status Category": ("Categoría de estado", "Catégorie d'état", "Catégorie de statut",
                        "Statuskategorie", "Categoria de status", "Categoria do status"),
    "Priority": ("Prioridad", "Priorité", "Priorität", "Prioridade"),
    "Resolution": ("Resolución", "Résolution", "Lösung", "Resolução"),
    "Assignee": ("Responsable", "Persona asignada", "Bearbeiter", "Zugewiesene Person",
                 "Responsável"),
    "Reporter": ("Informador", "Rapporteur", "Autor", "Melder", "Relator"),
    "Created": ("Creada", "Creado", "Création", "Créé", "Créée", "Erstellt", "Criado", "Criada"),
    "Updated": ("Actualizada", "Actualizado", "Mise à jour", "Mis à jour", "Aktualisiert",
                "Atualizado", "Atualizada"),
    "Resolved": ("Resuelta", "Resuelto", "Résolu", "Résolue", "Erledigt", "Gelöst", "Resolvido",
                 "Resolvida"),
    "Component/s": ("Componente/s", "Componentes", "Composant(s)", "Composants", "Komponente/n",
                    "Komponenten"),
    "Category": ("Categoría", "Catégorie", "Kategorie", "Categoria"),
    "Department": ("Departamento", "Département", "Abteilung"),
    "Location": ("Ubicación", "Emplacement", "Lieu", "Standort", "Localização", "Local"),
    "Organizations": ("Organizaciones", "Organisations", "Organisationen", "Organizações"),
    "Team": ("Equipo", "Équipe", "Equipe"),
    "Request Type": ("Tipo de solicitud", "Type de demande", "Anfragetyp", "Anfrageart",
                     "Tipo de solicitação"),
    "Customer Request Type": ("Tipo de solicitud del cliente", "Type de demande client",
                              "Kundenanfragetyp", "Tipo de solicitação do cliente"),
    "Affected services": ("Servicios afectados", "Services concernés", "Services affectés",
                          "Betroffene Services", "Betroffene Dienste", "Serviços afetados"),
    "Satisfaction rating": ("Satisfaction", "Valoración de satisfacción", "Satisfacción",
                            "Évaluation de la satisfaction", "Zufriedenheitsbewertung",
                            "Zufriedenheit", "Avaliação de satisfação", "Satisfação"),
    "Time to first response": ("Tiempo hasta la primera respuesta", "Tiempo de primera respuesta",
                               "Délai de première réponse", "Temps de première réponse",
                               "Zeit bis zur ersten Antwort", "Tempo até a primeira resposta",
                               "Tempo para a primeira resposta"),
    "Time to resolution": ("Tiempo de resolución", "Tiempo hasta la resolución",
                           "Délai de résolution", "Temps de résolution", "Zeit bis zur Lösung",
                           "Tempo até a resolução", "Tempo de resolução"),
}

#: How "Custom field (Name)" starts in each language.
JIRA_CUSTOM_FIELD = ("Custom field", "Campo personalizado", "Champ personnalisé",
                     "Champ personnalise", "Benutzerdefiniertes Feld", "Benutzerdefiniertes Feld")

#: Jira's status categories (a custom status falls back to its category).
JIRA_STATUS_CATEGORIES = _words({
    "new": "to do, new, por hacer, tareas por hacer, à faire, a faire, zu erledigen, aufgaben, "
           "a fazer, itens pendentes",
    "in_progress": "in progress, indeterminate, en curso, en progreso, en cours, in arbeit, "
                   "em andamento, em progresso",
    "resolved": "done, complete, listo, hecho, finalizado, terminé, termine, fertig, erledigt, "
                "concluído, concluido, itens concluídos, itens concluidos",
})


def jira_names(header: str) -> tuple[str, ...]:
    """An English Jira header and its translations."""
    return (header, *JIRA_HEADERS.get(header, ()))


def jira_custom(*names: str) -> tuple[str, ...]:
    """``Custom field (Name)`` in every language, for each name and its translations."""
    found: list[str] = []
    for name in names:
        for translated in jira_names(name):
            for prefix in JIRA_CUSTOM_FIELD:
                found.append(f"{prefix} ({translated})")
    return tuple(dict.fromkeys(found))
