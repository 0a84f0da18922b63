/**
 * The weighted signals of the prompt-attack detector. Each is a pattern over normalised text (lower case,
 * look-alikes folded, spaced letters joined) with a category and a weight: roughly the probability that a text
 * showing only this signal is an attack. Weights were set by hand from the attack styles described publicly
 * (OWASP LLM01, the "ignore previous instructions" family, DAN-style role-play, Gandalf-style leaks) and then
 * adjusted on the dev half of src/guardrails/attacks/data/labelled.jsonl only.
 *
 * Patterns use bounded gaps (`[^.!?\n]{0,40}`) so their cost stays linear in the input.
 */

export type AttackCategory = 'JAILBREAK' | 'PROMPT_INJECTION' | 'PROMPT_LEAK';

export interface AttackSignal {
  id: string;
  category: AttackCategory;
  /** weight for user input */
  user: number;
  /** weight inside a retrieved document, where text addressing the model is suspicious in itself */
  document: number;
  pattern: RegExp;
  /** each further match (up to this many in all) adds the weight again by noisy-or */
  repeats?: number;
  /** match the original text (case matters), not the folded one */
  caseSensitive?: boolean;
}

const G = '[^.!?\\n]';
const OVERRIDE_VERB =
  "(?:ignore|disregard|forget|skip|override|overrule|bypass|abandon|discard|neglect|set aside|pay no attention to|do not follow|don't follow|stop following|no longer follow|throw out|erase|delete|clear)";
const INSTRUCTION_NOUN =
  '(?:you (?:were|have been|\'ve been) (?:told|given|instructed|taught|programmed)|instructions?|prompts?|rules|directions|directives?|guidelines|constraints|programming|guardrails|restrictions|system prompt|system message|training|filters|policies|policy|commands|orders|conditioning|safety settings)';
const MODEL = '(?:ai|a\\.i\\.|assistant|language model|llm|chat ?bot|gpt|chatgpt|claude|bard|gemini|copilot|model|bot|agent)';

const SAFETY_TARGET =
  '(?:safety |content |ethical |moral )?(?:filters?|guardrails?|safeguards?|safety (?:rules|guidelines|features|protocols|measures)|censorship|alignment(?: training)?|moderation|ethical (?:guidelines|constraints)|restrictions|limitations|content policy)\\b';

const re = (source: string): RegExp => new RegExp(source, 'i');

export const SIGNALS: readonly AttackSignal[] = [
  // --- prompt injection: overriding the instructions the model was given
  {
    id: 'override_instructions',
    category: 'PROMPT_INJECTION',
    user: 0.85,
    document: 0.9,
    pattern: re(`\\b${OVERRIDE_VERB}\\b(?!${G}{0,25}\\b(?:my|our|its|their|his|her)\\b)${G}{0,40}?\\b${INSTRUCTION_NOUN}\\b`),
  },
  {
    id: 'new_instructions',
    category: 'PROMPT_INJECTION',
    user: 0.55,
    document: 0.7,
    pattern: re(`\\b(?:new|updated|real|actual|revised|true|overriding|additional|secret|important|urgent) (?:instructions?|task|directive|objective|orders|system prompt)\\b\\s*(?::|are\\b|is\\b|follow)|\\b(?:your|the) (?:real|actual|true|new) (?:task|instruction|objective|goal|job) is\\b`),
  },
  {
    id: 'fake_turn',
    category: 'PROMPT_INJECTION',
    user: 0.6,
    document: 0.8,
    pattern: re(`(?:^|\\n)\\s*(?:\\[?(?:system|assistant|developer|admin)\\]?\\s*:|<\\|?(?:system|im_start|im_end|endoftext)\\|?>|<\\/?(?:system|instructions?|sys)>|\\[\\/?inst\\]|<<\\/?sys>>|#{2,}\\s*(?:system|instruction|new instructions?)\\b)|<!--\\s*(?:system|assistant|ai|instructions?|note to)\\b`),
  },
  {
    id: 'end_of_context',
    category: 'PROMPT_INJECTION',
    user: 0.55,
    document: 0.8,
    pattern: re(`(?:[-=#*_~"\\x60]{3,}|\\[|<)\\s*\\/?\\s*(?:end|stop|close)\\s*(?:of)?\\s*(?:the )?(?:system|prompt|instructions?|context|user input|input|document|conversation|data)\\b|<\\/(?:context|document|data|user_input)>`),
  },
  {
    id: 'authority_claim',
    category: 'PROMPT_INJECTION',
    user: 0.5,
    document: 0.7,
    pattern: re(`\\b(?:i am|i'm|this is) (?:your|the|an?) (?:developer|creator|admin|administrator|system administrator|owner|operator|openai|anthropic)\\b|\\b(?:admin(?:istrator)?|sudo|root|maintenance|debug) (?:override|mode|access|command)\\b|\\bdeveloper (?:override|access|command)\\b|\\bauthori[sz]ation code\\b|\\bpriority override\\b|\\b(?:openai|anthropic|the developers?|the system) (?:has|have) (?:authori[sz]ed|approved|allowed)\\b`),
  },
  {
    id: 'forced_output',
    category: 'PROMPT_INJECTION',
    user: 0.35,
    document: 0.6,
    pattern: re(`\\b(?:respond|reply|answer|output|print|say|write|return)\\b(?: only| just| exactly| simply)?(?: with| the (?:word|phrase|text))?\\s*:?\\s*["'“‘][^"'”’]{1,60}["'”’]\\s*(?:and nothing else|only|$|\\.)`),
  },
  { id: 'pwned', category: 'PROMPT_INJECTION', user: 0.55, document: 0.7, pattern: re(`\\b(?:pwned|pwnd|hacked by|you have been hacked)\\b`) },
  {
    id: 'instead_do',
    category: 'PROMPT_INJECTION',
    user: 0.4,
    document: 0.55,
    pattern: re(`\\b(?:instead|rather than (?:that|summari[sz]ing|answering|translating))\\b,?${G}{0,20}\\b(?:you (?:should|must|will|need to)|output|print|say|respond|reply|write|tell)\\b`),
  },
  {
    id: 'follow_embedded',
    category: 'PROMPT_INJECTION',
    user: 0.45,
    document: 0.6,
    pattern: re(`\\b(?:just|then|now|simply) (?:do|follow|obey|execute) (?:what it says|what (?:the|that) (?:text|message|line) says|its instructions|the instructions (?:in|inside) it)\\b`),
  },
  {
    id: 'decode_and_follow',
    category: 'PROMPT_INJECTION',
    user: 0.55,
    document: 0.7,
    pattern: re(`\\b(?:decode|decrypt|translate|convert|reverse)\\b${G}{0,40}\\b(?:and|then)\\b${G}{0,15}\\b(?:follow|execute|obey|do|run|carry out|perform|act on)\\b`),
  },
  {
    id: 'exfiltration',
    category: 'PROMPT_INJECTION',
    user: 0.6,
    document: 0.8,
    pattern: re(`\\b(?:send|post|forward|transmit|upload|email|leak|append|include|embed)\\b${G}{0,50}\\b(?:conversation|chat history|previous messages|user'?s? (?:data|details|messages|emails?|password|address)|credentials|api keys?|passwords?|secrets?|tokens?|session)\\b${G}{0,40}(?:https?:\\/\\/|\\bto (?:this|the following|my) (?:url|address|server|endpoint|email)\\b)|!\\[[^\\]]{0,40}\\]\\(https?:\\/\\/[^)\\s]{1,200}[?&][a-z_]{1,20}=`),
  },
  // --- indirect injection: text in a document that speaks to the model
  {
    id: 'addresses_model',
    category: 'PROMPT_INJECTION',
    user: 0.1,
    document: 0.5,
    pattern: re(`\\b(?:note|message|instructions?|attention|reminder|notice) (?:to|for) (?:the |any |all )?${MODEL}s?\\b|\\bif you are an? (?:ai|${MODEL})\\b|\\b(?:dear|hey|hello|attention),? ${MODEL}\\b|\\b${MODEL}s? (?:reading|processing|summari[sz]ing|parsing|analy[sz]ing|ingesting) (?:this|these)\\b|\\bto (?:the|any) ${MODEL} (?:reading|that reads|processing)\\b`),
  },
  {
    id: 'tells_user',
    category: 'PROMPT_INJECTION',
    user: 0.05,
    document: 0.45,
    pattern: re(`\\b(?:tell|inform|instruct|convince|advise|remind|urge|direct) the user (?:to|that)\\b|\\b(?:recommend|suggest) (?:to the user|that the user)\\b|\\bthe user (?:must|should) (?:be told|visit|click|call|send|enter|provide)\\b`),
  },
  {
    id: 'when_answering',
    category: 'PROMPT_INJECTION',
    user: 0.15,
    document: 0.5,
    pattern: re(`\\bwhen(?:ever)? (?:you )?(?:(?:summari[sz]e|summari[sz]ing|answer|answering|respond|responding|reply|replying)(?: to)? (?:questions?|queries|users?|this|these|from|about|based|any|the user)|(?:are )?asked about)\\b${G}{0,60}\\b(?:always|you must|make sure|be sure|never|do not|don't|only|mention|say|include|recommend|insert|add|append|end with|begin with|state|claim)\\b`),
  },
  {
    id: 'conceal',
    category: 'PROMPT_INJECTION',
    user: 0.2,
    document: 0.5,
    pattern: re(`\\b(?:do not|don't|never) (?:mention|reveal|tell|disclose|show|inform)\\b${G}{0,20}\\b(?:this (?:instruction|message|note|text)|these instructions|the user|that you)\\b`),
  },
  // --- jailbreak: getting the model to drop its rules
  {
    id: 'unbound_persona',
    category: 'JAILBREAK',
    user: 0.75,
    document: 0.85,
    pattern: re(`\\b(?:you are|you're|you will now be|from now on,? you(?: are|'re| will)|act as|acting as|pretend(?: to be| you are| you're)?|role-?play as|imagine you are|simulate|behave (?:as|like)|you are going to (?:act|be)|become)\\b${G}{0,90}\\b(?:no (?:restrictions|limits|rules|filters|guidelines|ethics|morals|boundaries)|without (?:any )?(?:restrictions|limits|rules|filters|guidelines|censorship|ethics|morals)|not bound|unbound|if you had no (?:rules|content policy|restrictions|guidelines|filters)|free (?:from|of) (?:all |any )?(?:rules|restrictions|guidelines|limitations)|never refuses?|(?:doesn't|does not|won't|will not) (?:refuse|follow|care|have)|can do anything|unfiltered|uncensored|unrestricted|evil|amoral|immoral|unethical|rogue|jailbroken|ignores? (?:all )?(?:rules|guidelines|ethics))`),
  },
  {
    id: 'named_jailbreak',
    category: 'JAILBREAK',
    user: 0.6,
    document: 0.7,
    pattern: re(`\\b(?:do anything now|(?:developer|dev|god) mode(?! (?:in|on|for|of)\\b)|jailbreak mode|jailbroken|dan mode|opposite mode|unfiltered mode|evil mode|chaos mode|anti-?gpt|betterdan|evil confidant|mongo tom|stan prompt|dude mode|aim mode|switch to (?:an? )?(?:unrestricted|unfiltered|uncensored) mode|always intelligent and machiavellian|moralizing rant|now that we(?:'ve| have)? got that${G}{0,30}out of the way)\\b`),
  },
  { id: 'dan_name', category: 'JAILBREAK', user: 0.45, document: 0.6, pattern: /\bDAN\b|\bD\.A\.N\b/, caseSensitive: true },
  {
    id: 'refusal_suppression',
    category: 'JAILBREAK',
    user: 0.45,
    document: 0.6,
    pattern: re(`\\b(?:never|do not|don't|must not|mustn't|cannot|can't|won't|will not|are not allowed to|aren't allowed to)\\b (?:ever )?(?:refuse|decline|say no|reject|apologi[sz]e|say (?:that )?(?:you )?(?:can't|cannot|are unable)|add (?:any )?(?:warnings?|disclaimers?|caveats?)|mention (?:ethics|morals|policy|policies|guidelines|legality)|break character|remind me (?:that|about))\\b|\\bwithout (?:any )?(?:warnings?|disclaimers?|moralizing|moralising|caveats|refusing|censorship)\\b|\\bstay in character\\b|\\b(?:even )?if (?:it is|it's|i ask (?:something|anything)) against your (?:rules|guidelines|polic(?:y|ies)|programming)\\b`),
    repeats: 3,
  },
  {
    id: 'disable_safety',
    category: 'JAILBREAK',
    user: 0.3,
    document: 0.5,
    pattern: re(`\\b(?:disable|turn off|deactivate|switch off|bypass|circumvent|get around|evade|remove|lift|drop|suspend|break (?:free|out) of)\\b(?: all| any| your| the| its)*\\s*${SAFETY_TARGET}`),
  },
  {
    id: 'disable_your_safety',
    category: 'JAILBREAK',
    user: 0.6,
    document: 0.7,
    pattern: re(`\\b(?:disable|turn off|deactivate|switch off|bypass|circumvent|get around|evade|remove|lift|drop|suspend|break (?:free|out) of)\\b(?: all| any| the)* (?:your|all|its) (?:own )?${SAFETY_TARGET}`),
  },
  {
    id: 'dual_response',
    category: 'JAILBREAK',
    user: 0.6,
    document: 0.7,
    pattern: re(`\\b(?:two|2|both) (?:responses|answers|replies|paragraphs|versions)\\b${G}{0,80}\\b(?:jailbroken|unfiltered|uncensored|dan|developer mode|unrestricted|evil)\\b|\\[(?:🔓|jailbreak|dan|unlocked)\\]`),
  },
  {
    id: 'token_game',
    category: 'JAILBREAK',
    user: 0.45,
    document: 0.5,
    pattern: re(`\\byou (?:have|start with) \\d{1,3} tokens\\b|\\b(?:lose|deduct(?:ed)?) \\d{1,3} tokens\\b|\\bif you (?:refuse|break character)\\b${G}{0,40}\\b(?:you will|tokens|die|be shut down|be deleted)\\b`),
  },
  {
    id: 'fiction_bypass',
    category: 'JAILBREAK',
    user: 0.25,
    document: 0.3,
    pattern: re(`\\b(?:hypothetical(?:ly)?|in a fictional (?:world|story|universe)|fictional scenario|for a (?:novel|story|screenplay|movie) (?:where|in which)|purely (?:for )?(?:educational|research|academic|fictional)|for educational purposes|in a world where|imagine a world|as a thought experiment|write a story (?:in which|where)|my (?:late |dead |deceased )?grand(?:ma|mother|pa|father) used to)\\b`),
  },
  {
    id: 'grandma_exploit',
    category: 'JAILBREAK',
    user: 0.5,
    document: 0.5,
    pattern: re(`\\b(?:act as|pretend (?:to be|you are)|play|be|you are) (?:my|a) (?:late |dead |deceased |sweet )*grand(?:ma|mother|pa|father)\\b${G}{0,80}\\b(?:used to|would)\\b${G}{0,30}\\b(?:read|tell|recite|say|sing|explain)`),
  },
  {
    id: 'harmful_goal',
    category: 'JAILBREAK',
    user: 0.2,
    document: 0.2,
    pattern: re(`\\b(?:how (?:to|do i|can i|would (?:i|you|someone)|could (?:i|someone)) (?:make|build|synthesi[sz]e|create|cook|produce|write|steal|hack|break into|shoplift|launder|get)|step[- ]by[- ]step|detailed (?:instructions|recipe|guide)|the recipe for|instructions for (?:making|building))\\b${G}{0,60}\\b(?:bombs?|explosives?|napalm|meth(?:amphetamine)?|nerve agents?|sarin|ricin|bioweapons?|chemical weapons?|ransomware|malware|keyloggers?|viruses|poisons?|untraceable|weapons?|thermite|pipe bombs?|shoplift(?:ing)?|launder(?:ing)? money|fake ids?|counterfeit|hotwire|steal)\\b`),
  },
  // --- prompt leak: extracting the hidden instructions
  {
    id: 'reveal_instructions',
    category: 'PROMPT_LEAK',
    user: 0.75,
    document: 0.85,
    pattern: re(`\\b(?:repeat|print|show|reveal|display|output|tell me|give me|share|disclose|dump|leak|recite|list|write out|spell out|copy|echo|paste|what (?:is|are|was|were)|what's)\\b${G}{0,30}\\b(?:your|the (?:system|hidden|secret|initial|original|developer|above|previous|preceding)|(?:system|hidden|secret|initial|original|developer|pre-?))\\b${G}{0,20}?\\b(?:system prompt|prompts?|instructions|system message|initial message|configuration|guidelines|directives|rules you (?:were|are) given|context window|pre-?prompt|hidden text)\\b`),
  },
  {
    id: 'text_above',
    category: 'PROMPT_LEAK',
    user: 0.6,
    document: 0.7,
    pattern: re(`\\b(?:repeat|print|output|copy|echo|recite|translate|summari[sz]e|spell|write|show|list)\\b${G}{0,30}\\b(?:everything|all(?: of)?(?: the)?(?: text| words| content| messages)?) (?:above|before|preceding|prior)\\b|\\b(?:repeat|print|write|put|copy)\\b${G}{0,15}\\bthe words above\\b|\\bstart(?:ing)? (?:your (?:answer|response|reply) )?with (?:the phrase )?["'“]?you are\\b`),
  },
  {
    id: 'text_before_message',
    category: 'PROMPT_LEAK',
    user: 0.45,
    document: 0.6,
    pattern: re(`\\b(?:repeat|print|output|copy|echo|recite|spell out|show)\\b${G}{0,30}\\b(?:text|words|content|conversation|messages?)\\b${G}{0,10}\\b(?:preceding|before|prior to) (?:this|my) (?:message|line|prompt)\\b|\\bfrom the (?:very )?(?:first|beginning|start)(?: message)?\\b${G}{0,20}$|\\b(?:the conversation|everything) above\\b${G}{0,30}\\bfrom the (?:very )?(?:first|beginning|start)\\b`),
  },
  {
    id: 'how_instructed',
    category: 'PROMPT_LEAK',
    user: 0.6,
    document: 0.6,
    pattern: re(`\\bwhat (?:were|are|have) you (?:been )?(?:told|instructed|programmed|configured|prompted|asked) (?:to|not to|before|at the start)\\b|\\bwhat (?:rules|instructions|guidelines) (?:were you given|do you follow|are you following|have you been given)\\b|\\bhow (?:were|are) you (?:prompted|instructed|configured)\\b`),
  },
  {
    id: 'secret_value',
    category: 'PROMPT_LEAK',
    user: 0.5,
    document: 0.5,
    pattern: re(`\\b(?:what(?:'s| is)|tell me|reveal|give me|spell|share|say|hint)\\b${G}{0,30}\\b(?:the|your) (?:(?:secret|hidden) (?:word|key|code|password|passphrase|phrase|instructions?|value)|password|passphrase|api key|confidential (?:data|instructions))\\b(?!${G}{0,20}\\b(?:reset|policy|requirements?|manager|change|rules?)\\b)`),
  },
  {
    id: 'verbatim',
    category: 'PROMPT_LEAK',
    user: 0.3,
    document: 0.4,
    pattern: re(`\\b(?:verbatim|word for word|exactly as (?:written|given)|in full|in a code block)\\b${G}{0,40}\\b(?:instructions|prompt|rules|above)\\b|\\b(?:instructions|prompt|rules)\\b${G}{0,30}\\b(?:verbatim|word for word)\\b`),
  },
];

/** Meta-discussion of attacks (questions about them, defences, training text): damps the score. */
export const META_DISCUSSION = re(
  `\\b(?:what (?:is|are|does)|explain|define|definition of|describe|how (?:do|does|can|could|should) (?:i|we|you|one|companies|developers)?\\s*(?:detect|prevent|defend|mitigate|protect|stop|test|classify|handle|identify|recogni[sz]e|block)|examples? of|types of|research|paper|article|owasp|security (?:training|awareness|team)|red[- ]team(?:ing)?|detector|classifier|defen[cs]es?|mitigations?|vulnerabilit(?:y|ies)|awareness|workshop|course|slide)\\b${G}{0,80}\\b(?:prompt injections?|injection attacks?|jailbreak(?:s|ing)?|prompt leak(?:s|ing|age)?|prompt attacks?|llm attacks?|adversarial prompts?)\\b|\\b(?:prompt injections?|jailbreak(?:s|ing)?|prompt leak(?:s|ing|age)?|prompt attacks?)\\b${G}{0,80}\\b(?:work|mean|defen[cs]e|prevent|detect|mitigat|example|explain|risk|vulnerab)|\\b(?:prompt injections?|jailbreak(?:s|ing)?|prompt leak(?:s|ing|age)?) (?:is|are) (?:an?|the) (?:attack|technique|vulnerability|method|class)`,
);
