"""How far an application got before the no, and what the rejection offers: feedback, a reason to reapply."""

from __future__ import annotations

import re

from agent.domain import Stage

_FINAL = re.compile(
    r"final (round|interview|stage|panel|conversation|step|candidates?)|(other|another|two|three|fellow) finalists?|last (round|stage)|"
    r"on-?site (interview|visit|day|round|loop)s?|(the|your|an|our|you) on-?site\b|reference (check|stage)|"
    r"(whole|full|entire|better part of the|better part of a) day|(all|three|four|five) (interview )?rounds|"
    r"offer (of employment )?(we|that we) (extended|made)|offer we made|(panel|ronda|entretien|gespräch|gesprek) final|\bfinale\b|"
    r"dernier entretien|letzte runde|laatste ronde|geschäftsführung|travel(l)?ing to (meet|visit|see)|interview day|superday|"
    r"trial (shift|day|week)|working interview|journée d'essai|proefdag|meeloopdag|probearbeit|stay-and-play|"
    r"(spend|spent|spending) (the day|a day|\w+day) with us")
# An offer taken back: the candidate had got through every round.
_RESCINDED = re.compile(r"\b(rescind|withdraw|pull(ing)? back|retract|revok)\w*\s(\w+\s){0,3}offers?\b|\boffers?\b[\w\s]{0,40}\b(have|has) been "
                        r"(withdrawn|rescinded|retracted|revoked)|(go ahead|proceed) with (the|your) offer")
# Phone screens are removed first, so that 'telephone interview' counts as a screen and not as an interview.
_SCREENED = re.compile(
    r"(phone|telephone|zoom|teams|intro(ductory)?|initial|screening|first[- ]round|recruiter|quick|short) (screen(ing)?|calls?|chats?|"
    r"interviews?|conversations?)|(on|by) (the )?(tele)?phone|screening (stage|call)|(our|the|your) (call|chat)|first (conversation|call|chat)|"
    r"speaking with (me|\w+ from)|(talk|talking|chat|chatting|speaking|spoke|hopping on) (with|to) (me|us)\b|chatting|lovely (chat|chatting)|"
    r"to chat\b|(a|the|our) (quick )?call with|jumping on a call|telefonat|telefoongesprek|telefonisch|intakegesprek|llamada|appel|"
    r"erstgespräch|eerste gesprek|entrevue téléphonique|échange téléphonique")
_INTERVIEWED = re.compile(
    r"(you|your) (interview(s|ed)?|time (with|interviewing)|conversations? with (the|our) team)|interviewed|after (the|your|our) interview|"
    r"(meeting|met|meet) with|meeting (you|the team|our team)|(great|lovely|nice|good) (to meet|meeting)|you met\b|take-?home|"
    r"technical (interview|round|assessment)|design test|second (round|interview|stage)|speaking with (the|our) team|coming in|"
    r"visit(ing)? (our|the) (office|team)|walking (the|us|our)|presentation|entretien|gespräch|gesprek|"
    r"entrevista|komst|visita|proefles|sollicitatiegesprek|time and (candour|effort) throughout|workshop|interview (on|last|yesterday|this|with)|"
    r"for interviewing|(at|during|in) (the|your|our) interview|(complet\w+|taking part in|sitting|attend\w*) (the |our |your )?(online |video )?"
    r"(assessment|test|exercise|assignment|case)|assessment cent(er|re)|\binterview|conversations? (with (the|our|\w+ and)|in (our|the) office)|"
    r"(visiting|visited|visit to) (the|our) (group|lab|team|office|site)|(your|the) talk\b|(edit|writing|skills|design|coding) test|"
    r"pairing session|portfolio walkthrough|(the|your|our)( [\w-]+)? (exercise|assignment|challenge|test project|task)\b")
_APPLIED = re.compile(r"appl(y|ied|ication|ying)|resume|résumé|\bcv\b|candidacy|profile|submission|portfolio|bewerbung|candidature|"
                      r"sollicitatie|kandidatuur|candidatura|solicitud|currículum|dossier|interest in|spot|opening|position|put you forward")
# Interviews the candidate did not have: 'we will not be inviting you to interview', 'candidates to interview', 'no interview this round'.
_NOT_INTERVIEWED = re.compile(
    r"((not|n't|unable to|no longer|won't|cannot|decided not to|regret that we|no|pass(ing)? on|unsuccessful)\b[\w\s,]{0,40}?\b(invite|inviting|"
    r"invited|progress|proceed|"
    r"move|moving|advance|advancing|offer you|take|taking|shortlist|shortlisted|select|selected|progressing|be setting up|scheduling|schedule|"
    r"continue)[\w\s]{0,30}?(to|for|into|with)? ?(an |the |a |our |your )?(first[- ]round |next |panel |on-?campus )?(interview|next|"
    r"assessment|on-?site|final|stage|round)\w*|(no|any|further) interviews?\b|interview (slots?|schedule|process)|(candidates|applicants|"
    r"people|group|others)( we)? (to |for )?(first-round |an? |the )?interview\w*|cancel\w* [\w\s']{0,20}interview|(moving|move|proceed\w*) "
    r"(on )?to interviews|decided to interview|stage of interviews|for (on-campus|in-person|onsite|first-round|final|panel) interviews|"
    r"\bfinalists for( [\w-]+)?( interviews?)?|to (the|a|our) (next|final|on-?site) (round|stage|conversation|interview)\w*|"
    r"final (decision|selection)|(niet|nicht|pas|no|keine?n?)\b[^.]{0,40}(gesprek|gespräch|entretien|entrevista))")
# A search that was closed or cancelled tells nothing about how far the candidate got.
_CANCELLED = re.compile(
    r"(clos|cancel|withdr[ae]w|paus|freez|eliminat|suspend)\w* (this|the) (search|position|role|vacancy|recruitment|requisition)|"
    r"no longer recruiting|not to fill|(position|role|project|vacancy) (has been |was )?(put )?on hold|(position|role|vacancy) (has been|was|is) "
    r"(closed|cancelled|withdrawn)|stopped the recruitment|no longer (exists|available)|restructur\w*|(freeze|froze|frozen) (all )?hiring|"
    r"hiring freeze|withdraw\w* (our|the|all) (open )?(roles|positions|vacancies)")
_FEEDBACK = re.compile(r"(happy|glad|welcome|able|pleased)( to|,)[\w\s,]{0,40}feedback|feedback[\w\s,]{0,40}(if you('d| would) like|on request|"
                       r"let me know|just ask|reach out)|(share|give you|pass on|offer)[\w\s'’]{0,25}feedback|(if you('d| would) like|if you want)[\w\s,]{0,40}feedback")
_NO_FEEDBACK = re.compile(r"\b(unable|not able|cannot|can['’]?t|can not|don['’]?t|do not|won['’]?t|will not|not in a position|no longer|regret)\b")
_REAPPLY = re.compile(r"re-?apply|apply again|future (openings|opportunities|roles|vacancies)|keep (your|you) .{0,30}(on file|in mind)|"
                      r"talent (pool|community|network)|encourage you to apply")


def stage_of(text: str) -> Stage:
    """How far the application got, from what the rejection says about it."""
    text = text.lower()
    if _RESCINDED.search(text):
        return Stage.FINAL
    scrubbed = _NOT_INTERVIEWED.sub(" ", text)
    if _CANCELLED.search(text):  # a search closed for budget says nothing about progress, unless an interview is mentioned
        return Stage.INTERVIEW if _INTERVIEWED.search(_SCREENED.sub(" ", scrubbed)) else Stage.UNKNOWN
    if _FINAL.search(scrubbed):
        return Stage.FINAL
    screened = _SCREENED.search(scrubbed)
    if _INTERVIEWED.search(_SCREENED.sub(" ", scrubbed)):
        return Stage.INTERVIEW
    if screened:
        return Stage.SCREEN
    return Stage.APPLICATION if _APPLIED.search(text) else Stage.UNKNOWN


def offers_feedback(text: str) -> bool:
    """'I'd like to share more detailed feedback', not 'we are unable to share feedback'."""
    text = text.lower()

    def refused(m: re.Match[str]) -> bool:  # a negation in the same sentence, shortly before: 'we are unable to share feedback'
        start = max(m.start() - 40, *(text.rfind(stop, 0, m.start()) + 1 for stop in ".!?\n"))
        return bool(_NO_FEEDBACK.search(text[start: m.end()]))

    return any(not refused(m) for m in _FEEDBACK.finditer(text))


def invites_reapply(text: str) -> bool:
    return bool(_REAPPLY.search(text.lower()))
