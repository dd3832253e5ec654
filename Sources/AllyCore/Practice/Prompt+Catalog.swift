/// The built-in prompts: ten or more per theme, each suited to the kinds of entry it fits.
/// Wording is ours; the frame is Ten Cate & Chen's five dimensions of trustworthiness (DOMAIN.md §1).
extension Prompt {
    /// Every built-in prompt. Users add their own in the config file (docs/CONFIG.md).
    public static let catalog: [Prompt] = humility + capability + agency + reliability + integrity

    static let humility: [Prompt] = [
        Prompt(
            "What feedback did I get this week, and how did I react to it?", theme: .humility,
            kinds: [.reflection, .feedback]),
        Prompt("Where did I offer partnership rather than a rescue?", theme: .humility, kinds: [.reflection, .action]),
        Prompt("When did I ask for help, or admit I did not know?", theme: .humility, kinds: [.reflection, .mistake]),
        Prompt(
            "What did a colleague tell me that I would not have noticed on my own?", theme: .humility,
            kinds: [.feedback]),
        Prompt(
            "Whom did I ask: \"What can I do to be a better ally for you?\" What did I hear?", theme: .humility,
            kinds: [.feedback, .action]),
        Prompt(
            "When did I feel defensive this week? What was underneath it?", theme: .humility,
            kinds: [.reflection, .mistake]),
        Prompt("Whose expertise did I defer to, and whose did I overlook?", theme: .humility, kinds: [.reflection]),
        Prompt(
            "What is hard at work for women colleagues that I might not notice as a man?", theme: .humility,
            kinds: [.reflection, .feedback]),
        Prompt(
            "Where did I speak for someone who could have spoken for herself?", theme: .humility,
            kinds: [.reflection, .mistake]),
        Prompt(
            "What did I get wrong about someone's experience, and how did I learn it?", theme: .humility,
            kinds: [.mistake, .reflection]),
        Prompt("At home, which task did I assume was not mine?", theme: .humility, kinds: [.audit, .reflection]),
    ]

    static let capability: [Prompt] = [
        Prompt(
            "What did I learn about bias this week, and from whom?", theme: .capability, kinds: [.reflection, .goal]),
        Prompt(
            "Which reading, talk or training changed how I see my workplace?", theme: .capability,
            kinds: [.reflection, .goal]),
        Prompt(
            "What skill would make me a better ally, and how will I practise it?", theme: .capability, kinds: [.goal]),
        Prompt(
            "Which chapter of Good Guys or Athena Rising could I try out this week?", theme: .capability,
            kinds: [.goal, .action]),
        Prompt(
            "What does the evidence say about who gets interrupted in meetings, and what did I see?",
            theme: .capability, kinds: [.reflection]),
        Prompt(
            "How are promotion criteria applied on my team, and who do they favour?", theme: .capability,
            kinds: [.reflection, .goal]),
        Prompt(
            "What did I practise saying when I see a colleague talked over?", theme: .capability,
            kinds: [.action, .goal]),
        Prompt(
            "Which expert source could I bring to my team's next teaching session?", theme: .capability,
            kinds: [.goal, .action]),
        Prompt(
            "What question about gender equity would I like answered by the end of the month?", theme: .capability,
            kinds: [.goal]),
        Prompt("Which of my habits did a training make me question?", theme: .capability, kinds: [.reflection]),
    ]

    static let agency: [Prompt] = [
        Prompt("Whom could I sponsor or mentor next, and how?", theme: .agency, kinds: [.goal, .action]),
        Prompt(
            "Where did I wait to be asked when I could have acted?", theme: .agency, kinds: [.reflection, .mistake]),
        Prompt("Whose achievement deserves a shout-out, and who should hear it?", theme: .agency, kinds: [.action]),
        Prompt(
            "Which opportunity came to me that I could pass to a junior woman colleague?", theme: .agency,
            kinds: [.action, .reflection]),
        Prompt("Whose name did I put forward this week, and for what?", theme: .agency, kinds: [.action]),
        Prompt(
            "Which senior leader should hear about a colleague's work, and when will I tell them?", theme: .agency,
            kinds: [.action, .goal]),
        Prompt("Where did I amplify an idea and credit its author?", theme: .agency, kinds: [.action, .reflection]),
        Prompt(
            "What introduction could I make that would open a door for someone?", theme: .agency,
            kinds: [.action, .goal]),
        Prompt(
            "Which coffee conversation about a career did I have, or could I offer?", theme: .agency, kinds: [.action]),
        Prompt("What did I do this week that I would not have done a year ago?", theme: .agency, kinds: [.reflection]),
    ]

    static let reliability: [Prompt] = [
        Prompt(
            "Which commitment did I keep, and which did I let slip?", theme: .reliability, kinds: [.reflection, .goal]),
        Prompt(
            "Did I show up for the 36 minutes this week? What got in the way?", theme: .reliability,
            kinds: [.reflection, .action]),
        Prompt(
            "At home, who carried the invisible planning this week: lists, events, sizes?", theme: .reliability,
            kinds: [.audit]),
        Prompt(
            "What is my share of chores and child care now, and what was it a month ago?", theme: .reliability,
            kinds: [.audit]),
        Prompt(
            "Which promise to a colleague is still open, and when will I close it?", theme: .reliability,
            kinds: [.goal, .reflection]),
        Prompt(
            "Did I follow up on last week's feedback? What did I do?", theme: .reliability,
            kinds: [.action, .reflection]),
        Prompt("Whose mentoring meeting did I protect from my own busy week?", theme: .reliability, kinds: [.action]),
        Prompt("Which routine would make my allyship happen without willpower?", theme: .reliability, kinds: [.goal]),
        Prompt("Who could count on me this week, and who could not?", theme: .reliability, kinds: [.reflection]),
        Prompt(
            "Which household task did I take over for good, not just once?", theme: .reliability,
            kinds: [.audit, .action]),
    ]

    static let integrity: [Prompt] = [
        Prompt(
            "Where did I stay silent when I should have spoken?", theme: .integrity, kinds: [.reflection, .mistake]),
        Prompt(
            "What did it cost me to act on my values this week, and was it worth it?", theme: .integrity,
            kinds: [.reflection]),
        Prompt(
            "What mistake did I make, what was its impact, and what repair did I offer?", theme: .integrity,
            kinds: [.mistake]),
        Prompt(
            "When did I laugh along with something I did not find funny?", theme: .integrity,
            kinds: [.mistake, .reflection]),
        Prompt(
            "Where did I take credit that was shared, or let it be given to me?", theme: .integrity, kinds: [.mistake]),
        Prompt(
            "Which decision in a meeting would I defend in front of the people it affected?", theme: .integrity,
            kinds: [.reflection]),
        Prompt(
            "Where did I hold my team accountable, at some risk to myself?", theme: .integrity,
            kinds: [.action, .reflection]),
        Prompt(
            "What would I do differently if the colleague affected were reading this?", theme: .integrity,
            kinds: [.mistake, .reflection]),
        Prompt(
            "Which pay, rota or promotion decision could I question in the open?", theme: .integrity,
            kinds: [.goal, .action]),
        Prompt(
            "What did I say in private that I would not say in public, or the other way round?", theme: .integrity,
            kinds: [.reflection]),
    ]
}
