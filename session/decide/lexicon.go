package decide

import (
	"strings"
	"sync"
)

// The lexicon: every word and phrase the decision reads meaning from, one list per
// role. Code never names a word; a new word is a line here. Lists are space-separated
// words, or phrases separated by commas (matched as whole words, lower case).
// TestLexiconRoles checks that no entry sits in two roles that contradict each other.
var lex = struct {
	// Word classes (a word may be in several, except where the test forbids it).
	Stop    string // function words: never a subject
	Generic string // too vague to say what the work is about ("feature", "thing")
	Verbs   string // action verbs besides the lifecycle ones: they say what to do, not what about
	Aspects string // what kind of work, not what it is about ("tests", "validation"): weak subjects
	// NounsToo: verbs that, after the task's first word, are usually things ("the audit
	// log", "the release build"): there they can be a subject.
	NounsToo string

	// Lifecycle (the seed's cycles). Lead verbs: a task starting with one is in that phase.
	// Carriers ("add", "create") defer to the object: "Add tests" is a test task.
	Lead          map[phase]string
	Carriers      map[phase]string
	ObjectPhase   map[phase]string
	ObjectOrder   []phase  // when the object names several phases, the first listed wins
	Synonyms      []string // groups of words for one thing (compared by stem)
	CanonicalOf   map[string]string
	ArtifactNouns string // "that schema", "those changes": a demonstrative before one points back
	// Kinds name a kind of thing, not which: two tasks sharing only these ("the boarding
	// pass screen", "the signup screen") are not about the same thing.
	Kinds string
	// CommonFiles: file names every module has; in a session's changed files they name
	// no subject.
	CommonFiles string
	// Spelling: British spellings the -ise/-yse rule does not cover (see american).
	Spelling map[string]string
	// StemOf overrides Snowball where it merges words of different meaning
	// ("authorization" and "author" both stem to "author").
	StemOf map[string]string

	// Grammar: the small words the structural readers look for.
	Demonstratives string // "that schema": before an artifact noun, points back
	Pieces         string // "the geocoding work": a named piece of earlier work
	Pronouns       string // "test it": the latest work, when the task named nothing before
	PronounsToo    string // "build on that": pronouns only after a PronounAfter word
	PronounAfter   string
	DummyNext      string // "is it possible", "it seems": "it" as a dummy subject
	WeFillers      string // "we just added", "we have built": between We and the verb
	PastMarkers    string // "what we make before": a verb of We then one of these
	Topic          string // "The WebUSB flasher: …": opens a topic-first task
	NotWe          string // "we will add": a We after one of these is not past work
	NewInstance    string // "a new DAG", "another widget": a new instance of a kind, not the old one

	// Phrases.
	Back      string // points back at earlier work, and lets other conversations' work count
	Weak      string // refers to existing work, weaker: needs shared subject words to count
	We        string // "we"/"you" + a past verb: "we worked on", "you built"
	PastVerbs string // … the verbs of We, as single words
	Time      string // time words that place the work in the past ("last week")
	Resume    string // explicitly carries on earlier work: lets other conversations' work count
	// Weekdays are time words after a WeekdayBefore word ("from Monday", "last Friday")
	// or as "Monday's"; alone they are names ("Black Friday").
	Weekdays, WeekdayBefore string
	Fresh                   string // asks for a clean start
	Unrelated               string // says the task is unrelated to earlier work
	Latest                  string // points at the work just done in this conversation ("you just", "your fix")
	// Problem: reports a defect in, or asks about, something that exists ("why is the
	// sitemap empty?", "crashes", a pasted error): it is about the work that built it.
	Problem     string
	Alternative string // replaces or redoes work another way (Session Branch)
	// InsteadOf: "instead of Y", "rather than Y": an alternative when Y is the earlier
	// work ("use a queue instead of the polling" after the polling); otherwise it
	// describes a change to that work ("page through results instead of loading them
	// all"). A bare "instead" at the end ("use a queue instead") always replaces it.
	InsteadOf string
	Instead   string
	// OtherWords + ApproachNouns: "a different design", "another caching strategy".
	OtherWords, ApproachNouns string
	Join                      string // brings several pieces of work together (Session Merge)
	Enhance                   string // says it builds on earlier work
	// JoinWords connect two named pieces of work ("the mailer into the signup service",
	// "flags fall back to values from the config"): a merge when each names a session.
	JoinWords string
	// Both: "the two charts", "both screens": one word naming several sessions.
	Both string
}{
	Stop: `a an the and or but nor for to of in on at by with without from into onto as is are be been
		being was were it its this that these those there here then than so if else when while all any each every some
		more most no not only own such too very can will just should would could may might must shall do does did done
		have has had i we you he she they me us our your my their them what which who whom how why where up down out
		over under again also via per about after before between both during through please etc eg ie let lets now
		next one two three based using use used well like want need needs needed make sure still anymore pls plz thanks
		hey ok okay maybe really actually already instead rather lot bit little quick quickly asap kindly
		doesn don didn isn wasn aren weren won wouldn shouldn couldn hasn haven hadn ll ve re
		hi hello hope hoping wanted wonder wondering thank cheers alright sorry dear team folks concerning regarding`,
	Generic: `feature features module modules system systems logic code implementation implementations
		functionality function functions basic complete comprehensive full existing previous prior current session
		sessions memory work task tasks approach project projects src lib file files pattern patterns best practice
		practices main new old different other another same robust proper simple initial first second last final
		thing things stuff part parts step steps phase foundation structure codebase repo repository change changes
		flow details case cases edge path paths percent support context result results output version level
		established following follow maintain consistent consistency earlier yesterday today continue continuing
		independent unrelated separate fresh start scratch alternative alternatively way ways everything something
		idea option options quality good better high low standard standards across entire whole week weeks day days
		morning night time times ago together piece pieces bits entry entries back ahead people failing failed fails
		broken working works wrong left off right correct properly timed chat chats conversation thread`,
	Verbs: `keep get put update updates updated modify handle allow enable provide include produce try trying
		combine merge unify wire connect consolidate integrate integrating bump
		replace replacing swap switch scrap ditch drop redo rewrite reimplement redesign rework swap move change
		worked wrote built started finished made did set began got looked come comes go goes going say says
		tell show shows pick choose take give see look find know think seem feel leave call ask turn happen happens
		mean help talk bring hold become begin stop let`,
	Aspects: `test tests testing coverage regression spec specs unit e2e doc docs documentation
		readme docstring docstrings changelog example examples usage validation validations validate error errors
		handling logging security performance bug bugs fix fixes refactoring verification guide warning warnings
		perf speed faster slow slower flaky crash crashes`,

	NounsToo: `audit review design build release trace patch check split setup plan document report profile
		merge test`,

	Lead: map[phase]string{
		phAnalyze:  "analyze analyse identify investigate diagnose review audit inspect explore examine assess reproduce trace",
		phPlan:     "plan design outline propose architect sketch",
		phFix:      "fix repair resolve patch debug correct address hotfix",
		phRefactor: "refactor restructure reorganize simplify cleanup clean rename extract modularize decouple split",
		phEnhance:  "enhance extend improve optimize optimise harden augment expand polish refine secure upgrade tune validate speed",
		phTest:     "test cover",
		phVerify:   "verify check confirm ensure",
		phDocument: "document describe annotate",
		phContinue: "continue resume finish",
	},
	Carriers: map[phase]string{
		phImplement: "create implement build develop write generate make setup establish scaffold produce port migrate execute apply perform run",
		phEnhance:   "add introduce",
	},
	ObjectPhase: map[phase]string{
		phTest:      "test tests testing coverage regression spec specs unittest unittests e2e",
		phDocument:  "doc docs documentation readme docstring docstrings changelog guide",
		phFix:       "fix fixes bugfix hotfix",
		phRefactor:  "refactoring refactor",
		phAnalyze:   "analysis",
		phPlan:      "plan",
		phEnhance:   "validation validations caching logging error errors retry retries pagination enhancement improvement security",
		phImplement: "implementation foundation",
	},
	ObjectOrder: []phase{phTest, phDocument, phFix, phRefactor, phAnalyze, phPlan, phEnhance, phImplement},
	Synonyms: []string{
		"auth authentication authenticate authorization authorize authn authz login signin",
		"db database databases schema sql",
		"doc docs documentation document readme",
		"test tests testing spec specs",
		"api endpoint endpoints route routes",
		"ci pipeline workflow workflows",
		"ui frontend",
		"signup registration register",
		"mailer email emails mail",
		"jwt token tokens",
		"image images picture pictures photo photos img",
		"dark night",
		"theme themes appearance",
		"savefile savefiles savegame savegames save saves",
		"serialize serialization serializer deserialize deserialization deserializer marshal unmarshal",
		"shutdown sigterm graceful drain draining termination",
		"sleep standby suspend lowpower",
		"confirm confirmation confirmations verify verification verifications",
		"config configuration settings preferences",
		"notification notifications push alert alerts",
		"upload uploads uploader attachment attachments",
		"permission permissions role roles rbac acl",
		"deploy deployment deployments rollout release",
		"metrics telemetry monitoring",
		"queue queues job jobs worker workers",
		"crash crashes crashlytics",
		"hotkey hotkeys shortcut shortcuts keybinding keybindings",
		"cart basket",
		"revenue sales",
		"enemy enemies baddie baddies npc npcs",
	},
	CanonicalOf: map[string]string{
		"authentication": "auth", "authenticate": "auth", "authorization": "auth", "authorize": "auth",
		"authn": "auth", "authz": "auth", "database": "db", "databases": "db",
	},
	Spelling: map[string]string{
		"colour": "color", "colours": "colors", "behaviour": "behavior", "behaviours": "behaviors", "favourite": "favorite",
		"favourites": "favorites", "honour": "honor", "flavour": "flavor", "neighbour": "neighbor", "labour": "labor",
		"catalogue": "catalog", "catalogues": "catalogs", "dialogue": "dialog", "dialogues": "dialogs", "centre": "center",
		"centres": "centers", "licence": "license", "licences": "licenses", "grey": "gray", "cancelled": "canceled",
		"cancelling": "canceling", "modelling": "modeling", "labelled": "labeled", "labelling": "labeling",
		"travelling": "traveling", "programme": "program", "programmes": "programs", "defence": "defense",
	},
	StemOf: map[string]string{
		"authorization": "authoriz", "authorizations": "authoriz", "authorize": "authoriz", "authorized": "authoriz",
		"authorizes": "authoriz", "authorizing": "authoriz", "authorizer": "authoriz",
		"university": "universit", "universities": "universit", "organization": "organiz", "organizations": "organiz",
		"organize": "organiz", "experience": "experienc", "experiences": "experienc", "experiment": "experiment",
		"experiments": "experiment", "experimental": "experiment", "importance": "importanc", "important": "importanc",
	},
	Kinds: `component components page pages screen screens view views widget widgets service services class classes
		handler handlers endpoint endpoints button buttons dialog dialogs modal modals panel panels tab tabs field fields
		script scripts helper helpers package packages library libraries crate crates plugin plugins chart charts`,
	CommonFiles: `index main mod init __init__ values readme package setup config app types utils util helpers constants
		lib makefile dockerfile go cargo pyproject requirements chart kustomization`,
	ArtifactNouns: `schema table tables endpoint endpoints api module feature function code fix change changes
		implementation component components service class file files model migration bug work design middleware
		handler page query script job pipeline screen view widget stuff thing`,

	Demonstratives: `that those these this`,
	Pieces:         `work stuff changes`,
	Pronouns:       `it them`,
	PronounsToo:    `that this`,
	PronounAfter:   `on to for with from of into about after`,
	DummyNext:      `is s was would should will seems looks possible true`,
	WeFillers:      `just already have had`,
	PastMarkers:    `before earlier`,
	Topic:          `the our`,
	NotWe:          `will`,
	NewInstance:    `new another`,

	Back: `previous, prior, from current session, current session, from session, from the session, session memory,
		you just, just created, just added, just built, just implemented, just wrote, just did, just made, continue,
		continuing, resume, earlier, yesterday, last time, left off, pick up, picking up, so far, from previous work,
		carry on, keep working, where we were, where we stopped, as discussed, we discussed, you did, we did`,
	Weak: `existing, established, same feature, same module, same endpoint, the fix, tests for, following,
		consistent with, already, as before, again, still, anymore, no longer, keeps, regressed, the one we, the one you`,
	We:        `we, you, i`,
	PastVerbs: `worked did made wrote built started added created implemented fixed set began put got had wired shipped designed refactored`,
	Time: `yesterday, last week, last night, last time, earlier today, other day, this morning, days ago, a week ago,
		previous session, previous conversation, earlier session, other chat, another chat, other conversation,
		other thread, other session, before the restart, last sprint, over the weekend, the other week, the earlier,
		an earlier`,
	Weekdays:      `monday tuesday wednesday thursday friday saturday sunday`,
	WeekdayBefore: `on from last since this that until by`,
	Resume: `continue, continuing, resume, pick up, picking up, left off, carry on, keep working, where we were,
		where we stopped, back to the, back on the, return to the`,
	Fresh: `fresh start, start fresh, from scratch, start over, clean slate, new session, fresh session,
		fresh context, without previous context, ignore previous, blank slate`,
	Unrelated: `unrelated, new independent, independent task, independent feature, separate task, different feature,
		different module, different area, not related, something else, switching gears, switch gears, change of topic,
		different topic, side task, another project, separate project, on another note, independent of, nothing to do with,
		side quest, unrelated to, has nothing to do, separate thing, totally separate, completely separate,
		something different`,
	Problem: `why, still, crashes, crashed, crash, broken, fails, failing, failed, error, exception, panic, panics,
		traceback, stack trace, returns 500, throws, doesn't, does not, isn't, is not, never, wrong, empty, regression,
		no longer, stopped working, hangs, freezes, leaks, times out, timed out, aren't, won't, can't, not showing,
		drops, loses, lost, missing, misses, duplicates, stuck, slow`,
	Latest: `you just, just did, just now, what you did, what you just did, you proposed, you suggested, you recommended,
		your fix, your change, your changes, your patch, your version, your implementation, that change, those changes,
		the change you, the fix you, what you wrote, what you built, go ahead, as planned, the plan, that plan, build on that,
		on top of that, on top of this`,
	InsteadOf:     `instead of, rather than, in place of`,
	Instead:       `instead`,
	OtherWords:    `different another alternative other second`,
	ApproachNouns: `approach design way strategy architecture implementation method technique mechanism algorithm take`,
	Alternative: `alternative approach, alternative implementation, an alternative, try approach, try another, try a different,
		different approach, another approach, other approach, alternatively, experiment with,
		replace, replacing, swap, swap out, switch to, switch from, scrap, ditch, throw away, throw out,
		redo, rewrite, reimplement, re implement, another way, different way, other way, second attempt, a new approach,
		rework it, redesign, differently, plan b, throw that out, throw it out, throw this out, scrap that, scrap it,
		fresh attempt, new attempt, another attempt, separate branch, another branch`,
	Join: `integrate, integrating, integration, combine, combining, merge, merging, unify, wire, wiring, wire up,
		hook up, hook into, connect, connecting, plug into, tie together, tie into, link up, glue, consolidate,
		together, into one, end to end, chain, compose`,
	JoinWords: `into onto to from with through up over via`,
	Both:      `two both three all`,
	Enhance: `enhance, enhancement, extend, improve, improvement, optimize, harden, augment, expand, refine, polish,
		build on, on top of, continue, finish, take further, take it further, go further, next step, next steps`,
}

// phrases splits a comma-separated list into normalized phrases.
func phrases(list string) []string {
	var out []string
	for _, p := range strings.Split(list, ",") {
		// as the text is normalized: "doesn't" is the words "doesn" "t"
		if p = strings.Join(strings.FieldsFunc(strings.ToLower(p), func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\n' || r == '\''
		}), " "); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Word classes, built from lex.
const (
	wStop    uint8 = 1 << iota // function words: never a term
	wGeneric                   // too vague to identify work ("feature", "implementation")
	wVerb                      // action verbs: they give the phase, not the subject
	wAspect                    // phase/aspect nouns ("tests", "validation"): weak terms
)

var (
	lexicon       = map[string]uint8{}
	leadVerbs     = map[string]phase{} // a task that starts with one of these is in that phase
	carrierVerb   = map[string]phase{} // "add", "create": the object decides, else this default
	nounPhase     = map[string]phase{} // object nouns that reveal the phase ("tests", "docs", "fix")
	synonyms      = map[string][]string{}
	pastVerbs     = map[string]bool{}
	weWords       = map[string]bool{}
	artifactNoun  = map[string]bool{}
	nounToo       = map[string]bool{}
	kindNoun      = map[string]bool{}
	commonFile    = map[string]bool{}
	insteadWords  = map[string]bool{}
	demonstrative = map[string]bool{}
	pieceNoun     = map[string]bool{}
	pronoun       = map[string]bool{}
	pronounToo    = map[string]bool{}
	pronounAfter  = map[string]bool{}
	dummyNext     = map[string]bool{}
	weFiller      = map[string]bool{}
	pastMarker    = map[string]bool{}
	topicWord     = map[string]bool{}
	notWe         = map[string]bool{}
	newInstance   = map[string]bool{}
	otherWords    = map[string]bool{}
	joinWords     = map[string]bool{}
	bothWords     = map[string]bool{}
	approachNouns = map[string]bool{}

	backStrong, backWeak, timeWords, resumeWords, latestWords, insteadOfWords, problemWords, freshWords, unrelatedWords, altWords, mergeWords, enhanceWords []string
)

// lexiconOnce builds the lexicon's maps on first use, not at program start: a server that
// never decides (or not yet) does not pay for stemming the synonym groups.
var lexiconOnce sync.Once

// useLexicon makes the lexicon's maps ready; every entry point that reads words calls it.
func useLexicon() { lexiconOnce.Do(buildLexicon) }

func buildLexicon() {
	addWords := func(flag uint8, words string) {
		for _, w := range strings.Fields(words) {
			lexicon[w] |= flag
		}
	}
	addWords(wStop, lex.Stop)
	addWords(wGeneric, lex.Generic)
	addWords(wVerb, lex.Verbs)
	addWords(wAspect, lex.Aspects)
	for p, ws := range lex.Lead {
		for _, w := range strings.Fields(ws) {
			leadVerbs[w] = p
			lexicon[w] |= wVerb
		}
	}
	for p, ws := range lex.Carriers {
		for _, w := range strings.Fields(ws) {
			carrierVerb[w] = p
			lexicon[w] |= wVerb
		}
	}
	for p, ws := range lex.ObjectPhase {
		for _, w := range strings.Fields(ws) {
			nounPhase[w] = p
		}
	}
	stems.Lock()
	for w, st := range lex.StemOf {
		stems.m[w] = st
	}
	stems.Unlock()
	for _, group := range lex.Synonyms {
		ws := strings.Fields(group)
		for _, w := range ws {
			for _, o := range ws {
				if o != w {
					synonyms[w] = append(synonyms[w], stem(o))
				}
			}
		}
	}
	for _, w := range phrases(lex.We) {
		weWords[w] = true
	}
	// the word sets, each from its list
	for set, words := range map[*map[string]bool]string{&pastVerbs: lex.PastVerbs, &joinWords: lex.JoinWords,
		&bothWords: lex.Both, &otherWords: lex.OtherWords, &approachNouns: lex.ApproachNouns, &nounToo: lex.NounsToo,
		&demonstrative: lex.Demonstratives, &pieceNoun: lex.Pieces, &pronoun: lex.Pronouns, &pronounToo: lex.PronounsToo,
		&pronounAfter: lex.PronounAfter, &dummyNext: lex.DummyNext, &weFiller: lex.WeFillers, &pastMarker: lex.PastMarkers,
		&topicWord: lex.Topic, &notWe: lex.NotWe, &newInstance: lex.NewInstance, &insteadWords: lex.Instead,
		&commonFile: lex.CommonFiles, &kindNoun: lex.Kinds, &artifactNoun: lex.ArtifactNouns} {
		for _, w := range strings.Fields(words) {
			(*set)[w] = true
		}
	}
	backStrong = phrases(lex.Back)
	backWeak = phrases(lex.Weak)
	timeWords = phrases(lex.Time)
	for _, d := range strings.Fields(lex.Weekdays) {
		timeWords = append(timeWords, d+" s")
		for _, b := range strings.Fields(lex.WeekdayBefore) {
			timeWords = append(timeWords, b+" "+d)
		}
	}
	resumeWords = phrases(lex.Resume)
	freshWords = phrases(lex.Fresh)
	unrelatedWords = phrases(lex.Unrelated)
	altWords = phrases(lex.Alternative)
	latestWords = phrases(lex.Latest)
	problemWords = phrases(lex.Problem)
	insteadOfWords = phrases(lex.InsteadOf)
	mergeWords = phrases(lex.Join)
	enhanceWords = phrases(lex.Enhance)
}
