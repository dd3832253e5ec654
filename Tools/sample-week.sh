#!/usr/bin/env bash
# Writes a realistic week of allyship entries (and three earlier weeks of pledge actions) into a journal,
# for trying `ally review` and for the screenshot in docs/. Usage: Tools/sample-week.sh JOURNAL [ALLY_BINARY]
# The week is the one containing ALLY_NOW (default 2026-11-22T18:00:00Z, a Sunday).
set -euo pipefail
journal="${1:?usage: Tools/sample-week.sh JOURNAL [ALLY_BINARY]}"
ally="${2:-$(cd "$(dirname "$0")/.." && swift build --product ally --show-bin-path)/ally}"
export ALLY_JOURNAL="$journal" ALLY_NOW="${ALLY_NOW:-2026-11-22T18:00:00Z}" NO_COLOR=1 TZ=UTC
a() { "$ally" "$@" >/dev/null; }
id() { "$ally" "$@"; }

# Three earlier weeks of pledge actions: two met, then one a minute short.
for day in "2026-10-27" "2026-11-03"; do
    a pledge log mentoring 30 "Career coffee with a registrar" --on "$day"
    a pledge log shout-out 5 "Shout-out at the team meeting" --on "$day"
    a pledge log tell-leaders 1 "Told the clinical lead about a colleague's audit" --on "$day"
done
a pledge log mentoring 30 "Coffee with E. about returning from parental leave" --on 2026-11-10
a pledge log shout-out 5 "Thanked the pharmacist who caught the interaction" --on 2026-11-11
# (no telling-leaders minute that week: a gap the review shows)
a new goal "Read Good Guys and try one chapter's advice" --title "Read Good Guys" --due 2026-11-15 --theme capability --on 2026-10-20

# This week.
a new reflection $'What I noticed: at Monday handover the two women registrars were asked to take the notes again.\nWhat it meant: invisible work lands on them by habit.\nWhat I will do next: rotate the note-taking, starting with me.' \
    --title "Who takes the notes at handover" --theme humility --theme reliability --level interpersonal --tag handover --on 2026-11-16
mistake=$(id new mistake $'What happened: I talked over Dr. K when she raised the staffing gap at huddle.\nImpact: her point was lost and the gap was not escalated.\nRepair made: apologised to her after, and raised the gap with the manager, naming her.\nLesson: wait three seconds after a colleague finishes, then amplify.\nNext step: ask her whether the repair landed.' \
    --title "Talked over Dr. K at huddle" --theme integrity --theme humility --level public --tag huddle --on 2026-11-17 \
    --learning-goal "Practise the three-second pause in every huddle for a month")
goal=$(id new goal "Sponsor J. for the teaching fellowship: nominate her and brief the panel chair" --title "Sponsor J. for the fellowship" \
    --due 2026-12-15 --theme agency --level public --on 2026-11-17)
a pledge log mentoring 30 "Coffee with J. about her fellowship application" --on 2026-11-18 --goal "$goal"
a pledge log shout-out 5 "Shout-out for S. at grand rounds: her sepsis audit changed our pathway" --on 2026-11-19
a pledge log tell-leaders 1 "Told the medical director about S.'s audit" --on 2026-11-20
feedback=$(id new feedback $'Who: R. (charge nurse)\nWhat they said: "You listen now, but you still decide before the nurses have finished."\nWhat I will do: ask the nurse in charge for her plan first at every board round.' \
    --title "Feedback from R." --theme humility --level interpersonal --on 2026-11-19)
a new feedback $'Who: A. (registrar)\nWhat they said: "Put women on the teaching rota for the big sessions, not only the small groups."' \
    --title "Feedback from A." --theme agency --level systemic --on 2026-11-20
a new action "Asked R.'s plan first at Thursday's board round; she had already arranged the transfer." --minutes 10 \
    --link "$feedback" --theme humility --level interpersonal --on 2026-11-20
a new audit $'Chores (cleaning, laundry, cooking) — my share then / now: 35% / 45%\nChild care — my share then / now: 40% / 50%\nPlanning work (lists, events, clothing sizes, appointments) — my share then / now: 10% / 30%' \
    --title "November home audit" --theme reliability --level interpersonal --on 2026-11-21
a new reflection "Read two chapters of Athena Rising on the train; the section on sponsorship versus mentoring changed how I think about J." \
    --title "Athena Rising, chapters 4–5" --theme capability --level interpersonal --tag reading --on 2026-11-22
echo "$mistake" >/dev/null
