/* seed.c - the built-in programmes (texts, agendas, handbooks) and a generated,
 * reproducible population of participants that makes a demo database feel real. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "mento/codec.h"
#include "mento/db.h"
#include "mento/model.h"
#include "mento/rules.h"
#include "mento/seed.h"
#include "mento/surveys.h"

#define SEED_DAY  86400
#define SEED_WEEK (7 * SEED_DAY)

/* ======================================================================== */
/* Programme texts                                                          */
/* ======================================================================== */

struct seed_resource_text {
    const char *id;
    const char *kind; /* "handbook", "agenda", "topic" */
    const char *title;
    const char *body; /* Markdown */
};

struct seed_programme_text {
    const char *id;
    const char *name;
    const char *description;
    mento_programme_kind kind;
    mento_matching matching;
    mento_eligibility eligibility;
    unsigned languages;
    int length_months; /* cohort programmes only */
    const char *const *agenda;
    size_t n_agenda;
    const struct seed_resource_text *resources;
    size_t n_resources;
    const struct survey_def *surveys; /* pre and post */
};

#define SEED_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- UN Together ---------------------------------------------------------- */

static const char *const together_agenda[] = {
    "Getting to know each other and the mentoring agreement",
    "Goals for the mentoring period and how to tell that they are met",
    "Career paths: moving up or laterally, across entities and duty stations",
    "Skills in practice: feedback, shadowing and a small stretch assignment",
    "Working life: managing up, difficult environments and work-life balance",
    "Looking back, next steps and closing the mentoring relationship",
};

static const struct seed_resource_text together_resources[] = {
    {"together-mentor-handbook", "handbook", "Mentor handbook",
     "# Mentor handbook\n\n"
     "Thank you for offering your time. In Together, mentoring is open to every "
     "level and every job network: a General Service colleague with fifteen years "
     "in a regional office has as much to pass on as a director. You do not need "
     "to have all the answers; you need to listen well and to ask the questions "
     "that help your mentee find their own.\n\n"
     "## What a mentor does\n\n"
     "- Asks about the mentee's development goals and career hopes, then helps "
     "turn them into a few concrete steps.\n"
     "- Offers guidance in a general or a specialist area, and says plainly which "
     "goals are outside what they can help with.\n"
     "- Gives direct, honest and kind feedback when asked.\n"
     "- Opens doors: an introduction to a colleague, a meeting to observe, a "
     "network to join.\n\n"
     "## What a mentor is not\n\n"
     "A mentor is not the mentee's supervisor. The first reporting officer sets "
     "the workload and judges performance against it; the mentor helps the "
     "mentee think about the larger picture. When a conversation turns to a "
     "problem in the mentee's team, help them look at it from several angles "
     "rather than stepping into it yourself.\n\n"
     "Nor is a mentor a counsellor. If a mentee seems to be struggling with "
     "stress, anxiety or another health matter, point them kindly to the staff "
     "counselling service of their entity. For a conflict at work, the "
     "Ombudsman and Mediation Services can explain the informal and formal ways "
     "to resolve it.\n\n"
     "## Practicalities\n\n"
     "You choose how many mentees you take at a time, from one to three, and "
     "you can change that number whenever your workload changes. When you need "
     "a break, hide your profile: current pairings go on, but no new requests "
     "arrive. A request waits three days for your answer (a deadline that falls "
     "on a weekend moves to Monday) and you get a reminder after 48 hours.\n\n"
     "Everything said in a session stays between the two of you. Talk regularly "
     "about how the relationship is going and whether the goals set at the start "
     "still hold. Please fill in the short surveys: they are how the programme "
     "team learns what works.\n"},
    {"together-mentee-handbook", "handbook", "Mentee handbook",
     "# Mentee handbook\n\n"
     "In Together you drive your own learning. You choose your mentor, you set "
     "the goals, and you usually take the first step to book a session. A good "
     "mentoring relationship speeds up career development, widens your network "
     "and shows you how other parts of the Organization work.\n\n"
     "## Finding a mentor\n\n"
     "Browse the directory and read profiles: background, experience, skills, "
     "and sometimes a LinkedIn page. Filter by job network, level, entity or "
     "duty station. General Service colleagues may ask any category of staff. "
     "Send one request at a time and keep the other names on your wish-list; if "
     "a mentor declines or does not answer within three days, the request can "
     "move on to the next available name on your list.\n\n"
     "Please do not approach a preferred mentor outside the platform about a "
     "pairing: they may already be at capacity and find it hard to say no.\n\n"
     "## Mentoring or networking\n\n"
     "Choose **mentoring** for a relationship of three to six sessions, at least "
     "three over two or three months, ideally meeting about every three weeks. "
     "Choose **networking** for one or two conversations over a month or two, "
     "for example to learn about another job network before applying.\n\n"
     "## Your part\n\n"
     "- Be clear about what you want to achieve, and say it in the first "
     "sessions.\n"
     "- Answer messages promptly and keep the commitments you make.\n"
     "- Come to each session with a question or a short update.\n"
     "- Fill in the end-of-session survey when you mark a session as done.\n"
     "- Act on the advice you agree with, and say so when you do not.\n\n"
     "Nobody tells your manager that you joined; whether you do is up to you. "
     "If the pairing does not work out, you may end it and look for another "
     "mentor: this is normal and nobody is at fault.\n"},
    {"together-session-agendas", "agenda", "Session agendas",
     "# Session agendas\n\n"
     "A suggested path through a mentoring relationship. Adapt it freely: a "
     "networking pair may use only the first session, a long relationship may "
     "spend two sessions on one theme.\n\n"
     "## Session 1 - Getting to know each other and the mentoring agreement\n\n"
     "Tell each other about your paths so far. Agree on how often you will meet, "
     "how long sessions last, how you will reschedule and how you will keep in "
     "touch between sessions. Fill in the mentoring agreement together: it "
     "records your expectations and confirms that what you discuss stays "
     "confidential.\n\n"
     "## Session 2 - Goals\n\n"
     "The mentee presents two or three goals; the mentor says which ones they "
     "can help with. For each goal, agree on what progress would look like at "
     "the end of the relationship.\n\n"
     "## Session 3 - Career paths\n\n"
     "Talk about moving up or laterally, changing job network, working in "
     "another type of entity (headquarters, mission, agency, fund or "
     "programme), and what the mentor learned from their own moves.\n\n"
     "## Session 4 - Skills in practice\n\n"
     "Try something concrete: the mentee observes a meeting, comments on a "
     "draft plan of the mentor's, or takes on a short piece of research, and "
     "you discuss it afterwards.\n\n"
     "## Session 5 - Working life\n\n"
     "Managing up, handling a difficult work environment, job satisfaction, "
     "settling into a new duty station, work-life balance.\n\n"
     "## Session 6 - Looking back and closing\n\n"
     "Review the goals from session 2, name what changed, agree on next steps, "
     "and decide whether you want to stay in touch once the programme ends.\n"},
    {"together-topics", "topic", "Suggested topics",
     "# Suggested topics\n\n"
     "Not sure what to talk about? Mentees in earlier rounds found these themes "
     "useful. Pick two or three in your first sessions.\n\n"
     "- **Navigating the organisation's culture** - unwritten rules, how "
     "decisions are really made, who to ask.\n"
     "- **Experience across duty stations** - headquarters, regional hubs, "
     "hardship posts and what each teaches.\n"
     "- **Experience across types of entities** - Secretariat departments, "
     "peace operations, agencies, funds and programmes.\n"
     "- **Experience across job networks** - what a move from one network to "
     "another takes.\n"
     "- **Moving up or laterally** - when a lateral move is the better step.\n"
     "- **Improving performance reviews** - setting goals you can show you "
     "met.\n"
     "- **Managing others** - first-time supervision, delegation, difficult "
     "conversations.\n"
     "- **Managing up** - working well with your own managers.\n"
     "- **Learning new skills** - which courses, stretch assignments or "
     "detail assignments are worth it.\n"
     "- **Dealing with challenging work environments**.\n"
     "- **Job satisfaction** - what to do when the work no longer fits.\n"
     "- **A disability-inclusive workplace** - practical ways to promote it.\n"
     "- **Settling into a new duty station** - for you and for your family.\n"
     "- **Work-life balance** - boundaries, workload, time zones.\n"},
    {"together-guide-fr", "handbook", "Guide du mentorat (français)",
     "# Guide du mentorat\n\n"
     "Together est ouvert au personnel de toutes les catégories et de tous les "
     "réseaux d'emplois. Les séances peuvent se tenir en français, en anglais ou "
     "dans les deux langues : indiquez votre choix dans votre profil. Une "
     "personne qui ne souhaite échanger qu'en français ne voit que les mentors "
     "qui proposent le français.\n\n"
     "## Pour la personne mentorée\n\n"
     "Vous choisissez votre mentor dans l'annuaire et vous lui envoyez une "
     "demande à la fois ; les autres noms restent dans votre liste de souhaits. "
     "Le mentor a trois jours pour répondre. Choisissez le mentorat (trois à six "
     "séances sur deux ou trois mois) ou le réseautage (une ou deux séances). "
     "Fixez vos objectifs dès les premières séances et prenez l'initiative des "
     "rendez-vous.\n\n"
     "## Pour le mentor\n\n"
     "Vous accompagnez une à trois personnes à la fois, selon votre "
     "disponibilité, et vous pouvez masquer votre profil quand vous avez besoin "
     "d'une pause. Écoutez, posez des questions, partagez votre expérience et "
     "votre réseau, sans prendre les décisions à la place de la personne "
     "mentorée.\n\n"
     "## Confidentialité\n\n"
     "Ce qui se dit pendant les séances reste entre vous. Les responsables "
     "hiérarchiques ne sont pas informés de votre participation.\n"},
};

/* ---- IOM 2025 ------------------------------------------------------------- */

static const char *const iom_agenda[] = {
    "Getting to know each other, expectations and the mentoring agreement",
    "Development goals and a plan for the six months",
    "Careers in IOM and the wider UN system: mobility and growth",
    "Soft skills: communication, influence and managing up",
    "Mid-point review: progress on goals and adjustments",
    "Closing reflection: what was achieved and the road ahead",
};

static const struct seed_resource_text iom_resources[] = {
    {"iom-2025-mentor-handbook", "handbook", "Mentor handbook (IOM 2025)",
     "# Mentor handbook - IOM Mentoring Programme 2025\n\n"
     "Mentors in this cohort are colleagues at G-6, G-7, NO-C, NO-D, P-3 to P-5, "
     "D-1 or D-2 with at least five years of cumulative experience in IOM, the "
     "UN system, government or the non-profit sector. If you mentored in an "
     "earlier edition, your experience is especially welcome.\n\n"
     "## How this cohort works\n\n"
     "Applications are open for a fixed window. The programme team then selects "
     "participants and pairs each mentee with a mentor; pairings are announced "
     "after the window closes, and colleagues who are not selected this time are "
     "told so. The programme lasts six months from the announcement.\n\n"
     "## Your role\n\n"
     "Help your mentee name what they want from the six months and break it into "
     "steps. Share how you built your own career, including the detours. Listen "
     "first, ask open questions, and let the mentee make their own decisions. "
     "Be honest about the limits of what you can help with, and point to other "
     "support when a subject is outside the scope of mentoring.\n\n"
     "## Support for mentors\n\n"
     "Read this handbook before your first session. Self-paced courses on "
     "mentoring are available through the organisation's online learning "
     "subscription, and the career development team runs live soft-skills "
     "sessions during the six months. Use them: mentoring is a skill that "
     "improves with practice.\n"},
    {"iom-2025-mentee-handbook", "handbook", "Mentee handbook (IOM 2025)",
     "# Mentee handbook - IOM Mentoring Programme 2025\n\n"
     "Mentees in this cohort are colleagues at G-4 to G-7, NO-A to NO-D, UG or "
     "P-1 to P-3. If you were a mentee in an earlier edition you may apply "
     "again, but colleagues who have not yet had a mentor come first.\n\n"
     "## After you apply\n\n"
     "You receive an acknowledgement; nothing else is needed from you until the "
     "programme team has made its selection. Options you may see on the "
     "platform in the meantime do not mean that you were selected or paired.\n\n"
     "## Once you are paired\n\n"
     "Write to your mentor soon after the announcement to introduce yourself and "
     "ask when they are available. Then book your sessions on the platform so "
     "that they appear in both calendars and can be marked as done. If your "
     "mentor is a retiree, arrange times by e-mail: retirees cannot share their "
     "calendar availability on the platform.\n\n"
     "## Making the most of six months\n\n"
     "Arrive at the first session with two or three goals. Keep a short note "
     "of what you agreed after each meeting. Review progress at the mid-point "
     "and adjust. Close the programme with a conversation about what you will "
     "keep doing on your own.\n"},
    {"iom-2025-session-agendas", "agenda", "Session agendas (IOM 2025)",
     "# Session agendas - IOM 2025\n\n"
     "Six sessions spread over six months, roughly one a month.\n\n"
     "## Session 1 - Introductions and the mentoring agreement\n\n"
     "Share your backgrounds. Agree on the rhythm of meetings, how to contact "
     "each other, and confidentiality. Complete the mentoring agreement.\n\n"
     "## Session 2 - Goals and plan\n\n"
     "Turn the mentee's goals into a plan for the six months, with one or two "
     "actions before the next session.\n\n"
     "## Session 3 - Careers and mobility\n\n"
     "Country office, regional office and headquarters roles; rotation and "
     "reassignment; what the mentor wishes they had known earlier.\n\n"
     "## Session 4 - Soft skills\n\n"
     "Communication, influencing without authority, managing up. Link the "
     "conversation to the live soft-skills sessions if the mentee attended "
     "one.\n\n"
     "## Session 5 - Mid-point review\n\n"
     "What has moved, what has not, and what to change in the last months.\n\n"
     "## Session 6 - Closing reflection\n\n"
     "Look back at the plan, celebrate progress, agree on next steps and "
     "answer the end-of-programme survey.\n"},
    {"iom-2025-topics", "topic", "Suggested topics (IOM 2025)",
     "# Suggested topics\n\n"
     "- Understanding how the organisation works: projects, regional offices "
     "and headquarters.\n"
     "- Moving up or laterally, and preparing for a reassignment.\n"
     "- Working in emergencies and in protracted crises.\n"
     "- Managing up and building trust with a new supervisor.\n"
     "- Leading a team for the first time.\n"
     "- Presenting to donors and partners with confidence.\n"
     "- Work-life balance during deployments and long field assignments.\n"
     "- Settling into a new duty station with a family.\n"},
};

/* ---- UNDP JPO ------------------------------------------------------------- */

static const char *const jpo_agenda[] = {
    "Getting to know each other and the mentoring agreement: how the mentoring will work",
    "Finding your way in UNDP: culture, structure and business practices",
    "Settling in: the new office, the duty station and family life",
    "Self-management: work-life balance, stress and multicultural teams",
    "Career paths after the JPO assignment: competencies and learning",
    "Review of the six months and closing the relationship",
};

static const struct seed_resource_text jpo_resources[] = {
    {"undp-jpo-mentor-handbook", "handbook", "Mentor handbook (JPO induction)",
     "# Mentor handbook - JPO e-Mentoring induction\n\n"
     "This pilot pairs Junior Professional Officers in their first six months "
     "with senior and former JPOs who remember what those months are like. It "
     "is an e-mentoring programme: most contact happens by e-mail, phone or "
     "video call, across duty stations.\n\n"
     "## Your role\n\n"
     "- Help the new JPO understand how UNDP works: its protocol, culture, "
     "structure and everyday business practices.\n"
     "- Help them see their strengths and the areas to develop, and set goals "
     "for their professional and personal growth.\n"
     "- Listen with commitment, help interpret what they observe, give "
     "constructive feedback and build their confidence.\n"
     "- Respect the person and the privacy of the relationship.\n\n"
     "## Skills that help\n\n"
     "Active listening matters even more at a distance: without the cues of a "
     "face-to-face meeting, ask questions to check how your mentee is reacting. "
     "Help them notice assumptions that hold them back, and support them in "
     "reaching their own decisions rather than making them. When a problem is "
     "beyond what you can handle, refer them to the right person.\n\n"
     "## Becoming a mentor\n\n"
     "Create your profile, sign up as a mentor in this programme and say how "
     "many mentees you can take at once. New JPOs then find you in the "
     "directory; you decide whether to accept each request.\n"},
    {"undp-jpo-mentee-handbook", "handbook", "Mentee handbook (JPO induction)",
     "# Mentee handbook - JPO e-Mentoring induction\n\n"
     "The programme is open to JPOs with at most six months in UNDP as a JPO, "
     "and it lasts six months. You choose your mentor in the directory and own "
     "the relationship from the start.\n\n"
     "## Agree on the basics up front\n\n"
     "- **Objectives**: what do you expect, and is it realistic?\n"
     "- **Length**: six months.\n"
     "- **Rhythm**: contact about every other week, and a call at least once a "
     "month. A routine helps.\n"
     "- **Channels**: a call to break the ice, then whatever suits you both; "
     "meet in person if one of you travels to the other's duty station.\n"
     "- **Confidentiality**: nothing is passed to a third party without "
     "permission.\n"
     "- **No-fault ending**: either of you may end the relationship; if you do, "
     "close it on the platform too.\n\n"
     "## Your role\n\n"
     "Take responsibility for your development, set clear objectives, listen "
     "actively, ask good questions and make use of your mentor's experience. "
     "Keep a simple record of what you discussed and when you meet next.\n"},
    {"undp-jpo-session-agendas", "agenda", "Session agendas (JPO induction)",
     "# Session agendas - JPO induction\n\n"
     "Plan about one call a month; exchange e-mails in between.\n\n"
     "## Session 1 - Getting to know each other\n\n"
     "Backgrounds, interests beyond work (a good ice-breaker), objectives, "
     "rhythm, channels and confidentiality.\n\n"
     "## Session 2 - Finding your way in UNDP\n\n"
     "Organisational structure, how decisions travel, business practices the "
     "JPO meets in daily work.\n\n"
     "## Session 3 - Settling in\n\n"
     "Fitting into a new office and location; resolving issues with colleagues "
     "or supervisors; helping a family settle (schools, housing, a partner's "
     "work).\n\n"
     "## Session 4 - Self-management\n\n"
     "Work-life balance, stress, and working in a multicultural team.\n\n"
     "## Session 5 - Career paths\n\n"
     "Competencies for the career the JPO has in mind, training, and the "
     "mentor's own path.\n\n"
     "## Session 6 - Review and close\n\n"
     "What the six months brought, what comes next, and feedback for the "
     "pilot.\n"},
    {"undp-jpo-topics", "topic", "Suggested topics (JPO induction)",
     "# Suggested topics\n\n"
     "**About the mentee**: skills, competencies, values and career "
     "aspirations; career paths in UNDP; aligning personal strengths with what "
     "the organisation needs; building good working relationships.\n\n"
     "**Day-to-day life in UNDP**: fitting into a new location culturally, "
     "organisationally and professionally; resolving issues with colleagues, "
     "supervisors or supervisees; settling a family in a new place.\n\n"
     "**The mentor's experience**: how they keep a balance between work and "
     "life, their career path, what they learned in different regions.\n\n"
     "Even when a mentor has no ready answer, listening well gives the new JPO "
     "support and a sense of belonging.\n"},
};

/* ---- Surveys ---------------------------------------------------------------- */

/* Every programme asks for a pre- and a post-programme survey (RULES.md);
 * end-of-session surveys are the session feedback. The post survey asks
 * again how confident the member is, so that the team can compare. */
static const char *const survey_heard_from[] = {"colleague", "manager", "intranet",
                                                "e-mail",    "other",   NULL};
static const char *const survey_goals[] = {"met", "partly_met", "not_met", NULL};
static const char *const survey_recommend[] = {"yes", "maybe", "no", NULL};

static const struct survey_question survey_common_pre[] = {
    {"expectations", "What do you expect from the programme?", SURVEY_Q_TEXT, SURVEY_TEXT_MAX,
     NULL},
    {"confidence", "How confident are you about your next career step?", SURVEY_Q_RATING, 4, NULL},
    {"heard_from", "How did you hear about the programme?", SURVEY_Q_CHOICE, 0, survey_heard_from},
};
static const struct survey_question survey_common_post[] = {
    {"goals", "Did you reach the goals you set at the start?", SURVEY_Q_CHOICE, 0, survey_goals},
    {"confidence", "How confident are you about your next career step?", SURVEY_Q_RATING, 4, NULL},
    {"network", "How much did the programme widen your professional network?", SURVEY_Q_RATING, 4,
     NULL},
    {"recommend", "Would you recommend the programme to a colleague?", SURVEY_Q_CHOICE, 0,
     survey_recommend},
    {"changes", "What should the programme team change?", SURVEY_Q_TEXT, SURVEY_TEXT_MAX, NULL},
};
static const struct survey_def survey_common[] = {
    {"pre", "Before the programme", survey_common_pre, SEED_COUNT(survey_common_pre)},
    {"post", "After the programme", survey_common_post, SEED_COUNT(survey_common_post)},
};

/* The JPO induction adds its first objective, insight into UNDP's culture,
 * organisational structure and business practices, asked before and after. */
static const struct survey_question survey_jpo_pre[] = {
    {"expectations", "What do you expect from the programme?", SURVEY_Q_TEXT, SURVEY_TEXT_MAX,
     NULL},
    {"know_undp", "How well do you know UNDP's culture, structure and business practices?",
     SURVEY_Q_RATING, 4, NULL},
    {"confidence", "How confident are you about your next career step?", SURVEY_Q_RATING, 4, NULL},
    {"heard_from", "How did you hear about the programme?", SURVEY_Q_CHOICE, 0, survey_heard_from},
};
static const struct survey_question survey_jpo_post[] = {
    {"goals", "Did you reach the goals you set at the start?", SURVEY_Q_CHOICE, 0, survey_goals},
    {"know_undp", "How well do you know UNDP's culture, structure and business practices?",
     SURVEY_Q_RATING, 4, NULL},
    {"confidence", "How confident are you about your next career step?", SURVEY_Q_RATING, 4, NULL},
    {"network", "How much did the programme widen your professional network?", SURVEY_Q_RATING, 4,
     NULL},
    {"recommend", "Would you recommend the programme to a colleague?", SURVEY_Q_CHOICE, 0,
     survey_recommend},
    {"changes", "What should the programme team change?", SURVEY_Q_TEXT, SURVEY_TEXT_MAX, NULL},
};
static const struct survey_def survey_jpo[] = {
    {"pre", "Before the programme", survey_jpo_pre, SEED_COUNT(survey_jpo_pre)},
    {"post", "After the programme", survey_jpo_post, SEED_COUNT(survey_jpo_post)},
};

/* ---- The three programmes --------------------------------------------------- */

static const struct seed_programme_text seed_programme_texts[] = {
    {"together", "UN Together Mentoring and Networking",
     "The system-wide mentoring and networking programme for staff of every "
     "level and job network, across duty stations and entities. Registration "
     "and pairing are open all year: mentees choose a mentor in the directory "
     "and the mentor accepts or declines. Choose a mentoring relationship (3 to "
     "6 sessions over two to three months) or a networking exchange (1 or 2 "
     "sessions over one to two months), in English, French or both. Open to "
     "staff with fixed-term, continuing or permanent appointments.",
     MENTO_PROGRAMME_EVERGREEN, MENTO_MATCHING_MENTEE_LED, MENTO_ELIGIBILITY_TOGETHER,
     MENTO_LANG_EN | MENTO_LANG_FR, 0, together_agenda, SEED_COUNT(together_agenda),
     together_resources, SEED_COUNT(together_resources), survey_common},
    {"iom-2025", "IOM Mentoring Programme 2025",
     "IOM's six-month mentoring cohort. Apply within the application window; "
     "the programme team selects participants and pairs each mentee with a "
     "mentor, and announces pairings after the window closes. Mentors: G-6, "
     "G-7, NO-C, NO-D and P-3 to D-2 with at least five years of cumulative "
     "experience. Mentees: G-4 to G-7, NO-A to NO-D, UG and P-1 to P-3; "
     "colleagues who have not been mentees before come first.",
     MENTO_PROGRAMME_COHORT, MENTO_MATCHING_ADMIN_LED, MENTO_ELIGIBILITY_IOM,
     MENTO_LANG_EN | MENTO_LANG_FR, 6, iom_agenda, SEED_COUNT(iom_agenda), iom_resources,
     SEED_COUNT(iom_resources), survey_common},
    {"undp-jpo", "UNDP JPO e-Mentoring Induction",
     "A six-month e-mentoring pilot that helps Junior Professional Officers "
     "settle into UNDP during their first months. Senior and former JPOs "
     "volunteer as mentors; new JPOs (at most six months as a JPO) choose a "
     "mentor on the platform and agree on objectives, a rhythm of contact "
     "(about every other week, with a call at least once a month) and "
     "confidentiality.",
     MENTO_PROGRAMME_COHORT, MENTO_MATCHING_MENTEE_LED, MENTO_ELIGIBILITY_UNDP_JPO,
     MENTO_LANG_EN | MENTO_LANG_FR, 6, jpo_agenda, SEED_COUNT(jpo_agenda), jpo_resources,
     SEED_COUNT(jpo_resources), survey_jpo},
};

enum { SEED_PROG_TOGETHER = 0, SEED_PROG_IOM, SEED_PROG_JPO, SEED_PROG_COUNT };

const struct survey_def *seed_surveys(const char *programme, size_t *n)
{
    /* Every programme has the same surveys by id, pre then post. */
    _Static_assert(SEED_COUNT(survey_jpo) == SEED_COUNT(survey_common), "pre and post");
    *n = SEED_COUNT(survey_common);
    for (size_t i = 0; programme && i < SEED_COUNT(seed_programme_texts); i++)
        if (strcmp(seed_programme_texts[i].id, programme) == 0)
            return seed_programme_texts[i].surveys;
    return survey_common;
}

/* ======================================================================== */
/* Pseudo-random numbers                                                    */
/* ======================================================================== */

/* xoshiro256** seeded through splitmix64: fast, good enough for test data,
 * and the same stream on every platform (rand() is neither). */
struct seed_rng {
    uint64_t s[4];
};

static uint64_t seed_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

static void rng_init(struct seed_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = seed_splitmix64(&seed);
}

static uint64_t rng_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(struct seed_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rng_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n) without modulo bias (Lemire's multiply-and-reject). */
static uint32_t rng_below(struct seed_rng *r, uint32_t n)
{
    if (n <= 1)
        return 0;
    uint64_t m = (rng_next(r) >> 32) * (uint64_t)n;
    uint32_t low = (uint32_t)m;
    if (low < n) {
        uint32_t threshold = (uint32_t)(-n) % n;
        while (low < threshold) {
            m = (rng_next(r) >> 32) * (uint64_t)n;
            low = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static int rng_range(struct seed_rng *r, int lo, int hi) /* inclusive */
{
    return hi <= lo ? lo : lo + (int)rng_below(r, (uint32_t)(hi - lo + 1));
}

static bool rng_percent(struct seed_rng *r, int pct)
{
    return (int)rng_below(r, 100) < pct;
}

/* An index in [0, n) drawn with probability proportional to w[i]. */
static size_t rng_weighted(struct seed_rng *r, const int *w, size_t n)
{
    long total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    if (total <= 0)
        return 0;
    long x = (long)rng_below(r, (uint32_t)total);
    for (size_t i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

/* ======================================================================== */
/* Facts: job networks, topics, duty stations, entities, names              */
/* ======================================================================== */

/* The UN Secretariat job networks. */
enum seed_network {
    NET_MAG, /* Management and Administration */
    NET_ECON,
    NET_POL,
    NET_ITEC,
    NET_LEGAL,
    NET_INFO,
    NET_SAFETY,
    NET_SCI,
    NET_LOG,
    NET_COUNT
};

#define NB(n) (1u << (n))

struct seed_network_info {
    const char *name;
    /* Job titles by level: assistant, senior assistant, associate officer,
     * officer, senior officer, director. */
    const char *titles[6];
};

static const struct seed_network_info seed_networks[NET_COUNT] = {
    [NET_MAG] = {"Management and Administration",
                 {"Administrative Assistant", "Senior Human Resources Assistant",
                  "Associate Human Resources Officer", "Finance and Budget Officer",
                  "Senior Administrative Officer", "Director of Administration"}},
    [NET_ECON] = {"Economic, Social and Development",
                  {"Programme Assistant", "Senior Programme Assistant",
                   "Associate Programme Officer", "Economic Affairs Officer",
                   "Senior Programme Officer", "Director of Programmes"}},
    [NET_POL] = {"Political, Peace and Humanitarian",
                 {"Humanitarian Affairs Assistant", "Senior Programme Assistant",
                  "Associate Political Affairs Officer", "Humanitarian Affairs Officer",
                  "Senior Political Affairs Officer", "Director of Political Affairs"}},
    [NET_ITEC] = {"Information and Telecommunication Technology",
                  {"ICT Assistant", "Senior ICT Assistant", "Associate Information Systems Officer",
                   "Information Systems Officer", "Senior Information Systems Officer",
                   "Chief Information Technology Officer"}},
    [NET_LEGAL] = {"Legal",
                   {"Legal Assistant", "Senior Legal Assistant", "Associate Legal Officer",
                    "Legal Officer", "Senior Legal Officer", "Director of Legal Affairs"}},
    [NET_INFO] = {"Public Information and Conference Management",
                  {"Meetings Services Assistant", "Senior Publishing Assistant",
                   "Associate Public Information Officer", "Communications Officer",
                   "Senior Communications Officer", "Director of Conference Management"}},
    [NET_SAFETY] = {"Safety and Security",
                    {"Security Assistant", "Senior Security Assistant",
                     "Associate Security Officer", "Security Officer", "Chief Security Adviser",
                     "Director of Security"}},
    [NET_SCI] = {"Science",
                 {"Research Assistant", "Senior Research Assistant",
                  "Associate Scientific Affairs Officer", "Environmental Affairs Officer",
                  "Senior Scientific Affairs Officer", "Director of Science"}},
    [NET_LOG] = {"Logistics, Transportation and Supply Chain",
                 {"Logistics Assistant", "Senior Supply Assistant", "Associate Logistics Officer",
                  "Supply Chain Officer", "Chief of Supply Chain", "Director of Logistics"}},
};

/* One vocabulary for skills and goals, so that a mentee's goals can meet a
 * mentor's expertise. `networks` = job networks where it is everyday work;
 * 0 = useful everywhere (career and people topics). */
struct seed_topic {
    const char *en;
    const char *fr; /* for French-language bios */
    unsigned networks;
};

static const struct seed_topic seed_topics[] = {
    {"Project management", "la gestion de projets",
     NB(NET_ECON) | NB(NET_MAG) | NB(NET_ITEC) | NB(NET_LOG)},
    {"Results-based management", "la gestion axée sur les résultats", NB(NET_ECON) | NB(NET_MAG)},
    {"Budget and finance", "le budget et les finances", NB(NET_MAG)},
    {"Human resources", "les ressources humaines", NB(NET_MAG)},
    {"Procurement", "les achats", NB(NET_MAG) | NB(NET_LOG)},
    {"Supply chain management", "la chaîne d'approvisionnement", NB(NET_LOG)},
    {"Data analysis", "l'analyse de données", NB(NET_ECON) | NB(NET_SCI) | NB(NET_ITEC)},
    {"Monitoring and evaluation", "le suivi et l'évaluation", NB(NET_ECON) | NB(NET_POL)},
    {"Policy analysis", "l'analyse des politiques", NB(NET_ECON) | NB(NET_POL) | NB(NET_LEGAL)},
    {"Report writing", "la rédaction de rapports", 0},
    {"Public speaking", "la prise de parole en public", 0},
    {"Negotiation", "la négociation", NB(NET_POL) | NB(NET_LEGAL) | NB(NET_LOG)},
    {"Conflict resolution", "la résolution des conflits", NB(NET_POL) | NB(NET_LEGAL)},
    {"Team leadership", "la direction d'équipe", 0},
    {"Managing people", "l'encadrement du personnel", 0},
    {"Change management", "la conduite du changement", NB(NET_MAG) | NB(NET_ITEC)},
    {"Humanitarian coordination", "la coordination humanitaire", NB(NET_POL)},
    {"Emergency response", "les interventions d'urgence",
     NB(NET_POL) | NB(NET_LOG) | NB(NET_SAFETY)},
    {"Peace operations", "les opérations de paix", NB(NET_POL) | NB(NET_SAFETY)},
    {"Human rights", "les droits de l'homme", NB(NET_POL) | NB(NET_LEGAL)},
    {"Gender equality", "l'égalité des genres", NB(NET_ECON) | NB(NET_POL)},
    {"Disability inclusion", "l'inclusion des personnes handicapées", NB(NET_MAG)},
    {"Climate and environment", "le climat et l'environnement", NB(NET_SCI) | NB(NET_ECON)},
    {"Sustainable development", "le développement durable", NB(NET_ECON) | NB(NET_SCI)},
    {"Partnerships and resource mobilization", "les partenariats et la mobilisation de ressources",
     NB(NET_ECON)},
    {"Strategic communication", "la communication stratégique", NB(NET_INFO)},
    {"Conference management", "la gestion des conférences", NB(NET_INFO)},
    {"Translation and editing", "la traduction et la révision", NB(NET_INFO) | NB(NET_LEGAL)},
    {"Digital transformation", "la transformation numérique", NB(NET_ITEC)},
    {"Software development", "le développement de logiciels", NB(NET_ITEC)},
    {"Information security", "la sécurité de l'information", NB(NET_ITEC) | NB(NET_SAFETY)},
    {"Legal drafting", "la rédaction juridique", NB(NET_LEGAL)},
    {"Security risk management", "la gestion des risques de sécurité", NB(NET_SAFETY)},
    {"Scientific research", "la recherche scientifique", NB(NET_SCI)},
    {"Inter-agency coordination", "la coordination interinstitutions", NB(NET_ECON) | NB(NET_POL)},
    {"Career transition", "la transition de carrière", 0},
    {"Mobility across duty stations", "la mobilité entre lieux d'affectation", 0},
    {"Work-life balance", "l'équilibre entre vie professionnelle et vie privée", 0},
    {"Coaching and mentoring", "le coaching et le mentorat", 0},
};
#define SEED_N_TOPICS SEED_COUNT(seed_topics)

/* Name regions: who tends to live and work where, and how names are written. */
enum seed_region {
    REG_NONE = 0,
    REG_ENGLISH,
    REG_FRENCH,
    REG_SPANISH,
    REG_PORTUGUESE,
    REG_GERMAN,
    REG_ITALIAN,
    REG_NORDIC,
    REG_GREEK,
    REG_RUSSIAN,
    REG_TURKISH,
    REG_ARABIC,
    REG_MAGHREB,
    REG_DARI,
    REG_HINDI,
    REG_NEPALI,
    REG_BENGALI,
    REG_CHINESE,
    REG_JAPANESE,
    REG_KOREAN,
    REG_VIETNAMESE,
    REG_THAI,
    REG_FILIPINO,
    REG_INDONESIAN,
    REG_EAST_AFRICA,
    REG_ETHIOPIAN,
    REG_WEST_AFRICA,
    REG_CENTRAL_AFRICA,
    REG_SOUTHERN_AFRICA,
    REG_HAITIAN,
    REG_COUNT
};

enum seed_station {
    ST_NONE = 0,
    ST_NEW_YORK,
    ST_WASHINGTON,
    ST_MONTREAL,
    ST_GENEVA,
    ST_VIENNA,
    ST_ROME,
    ST_BRINDISI,
    ST_PARIS,
    ST_BONN,
    ST_COPENHAGEN,
    ST_BRUSSELS,
    ST_BUDAPEST,
    ST_VALENCIA,
    ST_ISTANBUL,
    ST_ANKARA,
    ST_GAZIANTEP,
    ST_MOSCOW,
    ST_NAIROBI,
    ST_ENTEBBE,
    ST_KAMPALA,
    ST_DAR_ES_SALAAM,
    ST_ADDIS_ABABA,
    ST_JUBA,
    ST_MOGADISHU,
    ST_KIGALI,
    ST_DAKAR,
    ST_ABIDJAN,
    ST_BAMAKO,
    ST_NIAMEY,
    ST_ACCRA,
    ST_ABUJA,
    ST_KINSHASA,
    ST_GOMA,
    ST_BANGUI,
    ST_NDJAMENA,
    ST_YAOUNDE,
    ST_BRAZZAVILLE,
    ST_PRETORIA,
    ST_JOHANNESBURG,
    ST_MAPUTO,
    ST_CAIRO,
    ST_TUNIS,
    ST_RABAT,
    ST_BEIRUT,
    ST_AMMAN,
    ST_JERUSALEM,
    ST_BAGHDAD,
    ST_ERBIL,
    ST_KABUL,
    ST_NEW_DELHI,
    ST_KATHMANDU,
    ST_DHAKA,
    ST_COXS_BAZAR,
    ST_BANGKOK,
    ST_HANOI,
    ST_BEIJING,
    ST_TOKYO,
    ST_FUKUOKA,
    ST_SEOUL,
    ST_INCHEON,
    ST_MANILA,
    ST_JAKARTA,
    ST_ALMATY,
    ST_TASHKENT,
    ST_SUVA,
    ST_SANTIAGO,
    ST_BOGOTA,
    ST_PANAMA,
    ST_MEXICO_CITY,
    ST_LIMA,
    ST_BUENOS_AIRES,
    ST_MONTEVIDEO,
    ST_BRASILIA,
    ST_RIO,
    ST_PORT_OF_SPAIN,
    ST_PORT_AU_PRINCE,
    ST_COUNT
};

#define SEED_MAX_LOCALS 4

struct seed_station_info {
    const char *name;
    const char *tz;   /* IANA zone */
    int size;         /* rough number of UN staff there, 1 (small office) .. 10 */
    bool francophone; /* French is an everyday working language there */
    /* Where locally recruited staff (G and NO) mostly come from. */
    enum seed_region locals[SEED_MAX_LOCALS];
    const char *in_fr; /* "à Genève", "au Caire": for French biographies */
};

#define STATION(name, tz, size, francophone, in_fr, ...)                                           \
    {                                                                                              \
        name, tz, size, francophone, {__VA_ARGS__}, in_fr                                          \
    }

static const struct seed_station_info seed_stations[ST_COUNT] = {
    [ST_NEW_YORK] = STATION("New York", "America/New_York", 10, false, "à New York", REG_ENGLISH,
                            REG_SPANISH, REG_FILIPINO, REG_HAITIAN),
    [ST_WASHINGTON] = STATION("Washington", "America/New_York", 2, false, "à Washington",
                              REG_ENGLISH, REG_SPANISH),
    [ST_MONTREAL] = STATION("Montreal", "America/Toronto", 2, true, "à Montréal", REG_FRENCH,
                            REG_ENGLISH, REG_HAITIAN),
    [ST_GENEVA] = STATION("Geneva", "Europe/Zurich", 9, true, "à Genève", REG_FRENCH, REG_GERMAN,
                          REG_ITALIAN, REG_PORTUGUESE),
    [ST_VIENNA] = STATION("Vienna", "Europe/Vienna", 5, false, "à Vienne", REG_GERMAN, REG_TURKISH),
    [ST_ROME] = STATION("Rome", "Europe/Rome", 5, false, "à Rome", REG_ITALIAN),
    [ST_BRINDISI] = STATION("Brindisi", "Europe/Rome", 2, false, "à Brindisi", REG_ITALIAN),
    [ST_PARIS] = STATION("Paris", "Europe/Paris", 4, true, "à Paris", REG_FRENCH, REG_MAGHREB),
    [ST_BONN] = STATION("Bonn", "Europe/Berlin", 2, false, "à Bonn", REG_GERMAN, REG_TURKISH),
    [ST_COPENHAGEN] =
        STATION("Copenhagen", "Europe/Copenhagen", 4, false, "à Copenhague", REG_NORDIC),
    [ST_BRUSSELS] =
        STATION("Brussels", "Europe/Brussels", 2, true, "à Bruxelles", REG_FRENCH, REG_MAGHREB),
    [ST_BUDAPEST] = STATION("Budapest", "Europe/Budapest", 2, false, "à Budapest", REG_GERMAN),
    [ST_VALENCIA] = STATION("Valencia", "Europe/Madrid", 2, false, "à Valence", REG_SPANISH),
    [ST_ISTANBUL] = STATION("Istanbul", "Europe/Istanbul", 3, false, "à Istanbul", REG_TURKISH),
    [ST_ANKARA] = STATION("Ankara", "Europe/Istanbul", 1, false, "à Ankara", REG_TURKISH),
    [ST_GAZIANTEP] =
        STATION("Gaziantep", "Europe/Istanbul", 2, false, "à Gaziantep", REG_TURKISH, REG_ARABIC),
    [ST_MOSCOW] = STATION("Moscow", "Europe/Moscow", 1, false, "à Moscou", REG_RUSSIAN),
    [ST_NAIROBI] = STATION("Nairobi", "Africa/Nairobi", 8, false, "à Nairobi", REG_EAST_AFRICA),
    [ST_ENTEBBE] = STATION("Entebbe", "Africa/Kampala", 3, false, "à Entebbe", REG_EAST_AFRICA),
    [ST_KAMPALA] = STATION("Kampala", "Africa/Kampala", 2, false, "à Kampala", REG_EAST_AFRICA),
    [ST_DAR_ES_SALAAM] = STATION("Dar es Salaam", "Africa/Dar_es_Salaam", 2, false,
                                 "à Dar es Salaam", REG_EAST_AFRICA),
    [ST_ADDIS_ABABA] =
        STATION("Addis Ababa", "Africa/Addis_Ababa", 6, false, "à Addis-Abeba", REG_ETHIOPIAN),
    [ST_JUBA] = STATION("Juba", "Africa/Juba", 4, false, "à Djouba", REG_EAST_AFRICA),
    [ST_MOGADISHU] = STATION("Mogadishu", "Africa/Mogadishu", 3, false, "à Mogadiscio",
                             REG_EAST_AFRICA, REG_ARABIC),
    [ST_KIGALI] = STATION("Kigali", "Africa/Kigali", 2, true, "à Kigali", REG_EAST_AFRICA,
                          REG_CENTRAL_AFRICA),
    [ST_DAKAR] = STATION("Dakar", "Africa/Dakar", 4, true, "à Dakar", REG_WEST_AFRICA),
    [ST_ABIDJAN] = STATION("Abidjan", "Africa/Abidjan", 2, true, "à Abidjan", REG_WEST_AFRICA),
    [ST_BAMAKO] = STATION("Bamako", "Africa/Bamako", 2, true, "à Bamako", REG_WEST_AFRICA),
    [ST_NIAMEY] = STATION("Niamey", "Africa/Niamey", 2, true, "à Niamey", REG_WEST_AFRICA),
    [ST_ACCRA] = STATION("Accra", "Africa/Accra", 2, false, "à Accra", REG_WEST_AFRICA),
    [ST_ABUJA] = STATION("Abuja", "Africa/Lagos", 2, false, "à Abuja", REG_WEST_AFRICA),
    [ST_KINSHASA] =
        STATION("Kinshasa", "Africa/Kinshasa", 4, true, "à Kinshasa", REG_CENTRAL_AFRICA),
    [ST_GOMA] = STATION("Goma", "Africa/Lubumbashi", 3, true, "à Goma", REG_CENTRAL_AFRICA),
    [ST_BANGUI] = STATION("Bangui", "Africa/Bangui", 3, true, "à Bangui", REG_CENTRAL_AFRICA),
    [ST_NDJAMENA] = STATION("N'Djamena", "Africa/Ndjamena", 2, true, "à N'Djamena",
                            REG_CENTRAL_AFRICA, REG_ARABIC),
    [ST_YAOUNDE] = STATION("Yaoundé", "Africa/Douala", 2, true, "à Yaoundé", REG_CENTRAL_AFRICA),
    [ST_BRAZZAVILLE] =
        STATION("Brazzaville", "Africa/Brazzaville", 2, true, "à Brazzaville", REG_CENTRAL_AFRICA),
    [ST_PRETORIA] = STATION("Pretoria", "Africa/Johannesburg", 3, false, "à Pretoria",
                            REG_SOUTHERN_AFRICA, REG_ENGLISH),
    [ST_JOHANNESBURG] = STATION("Johannesburg", "Africa/Johannesburg", 2, false, "à Johannesbourg",
                                REG_SOUTHERN_AFRICA, REG_ENGLISH),
    [ST_MAPUTO] = STATION("Maputo", "Africa/Maputo", 2, false, "à Maputo", REG_SOUTHERN_AFRICA,
                          REG_PORTUGUESE),
    [ST_CAIRO] = STATION("Cairo", "Africa/Cairo", 4, false, "au Caire", REG_ARABIC),
    [ST_TUNIS] = STATION("Tunis", "Africa/Tunis", 1, true, "à Tunis", REG_MAGHREB, REG_ARABIC),
    [ST_RABAT] = STATION("Rabat", "Africa/Casablanca", 1, true, "à Rabat", REG_MAGHREB, REG_ARABIC),
    [ST_BEIRUT] = STATION("Beirut", "Asia/Beirut", 4, true, "à Beyrouth", REG_ARABIC),
    [ST_AMMAN] = STATION("Amman", "Asia/Amman", 4, false, "à Amman", REG_ARABIC),
    [ST_JERUSALEM] = STATION("Jerusalem", "Asia/Jerusalem", 2, false, "à Jérusalem", REG_ARABIC),
    [ST_BAGHDAD] = STATION("Baghdad", "Asia/Baghdad", 3, false, "à Bagdad", REG_ARABIC),
    [ST_ERBIL] = STATION("Erbil", "Asia/Baghdad", 2, false, "à Erbil", REG_ARABIC),
    [ST_KABUL] = STATION("Kabul", "Asia/Kabul", 3, false, "à Kaboul", REG_DARI),
    [ST_NEW_DELHI] = STATION("New Delhi", "Asia/Kolkata", 3, false, "à New Delhi", REG_HINDI),
    [ST_KATHMANDU] = STATION("Kathmandu", "Asia/Kathmandu", 2, false, "à Katmandou", REG_NEPALI),
    [ST_DHAKA] = STATION("Dhaka", "Asia/Dhaka", 3, false, "à Dacca", REG_BENGALI),
    [ST_COXS_BAZAR] = STATION("Cox's Bazar", "Asia/Dhaka", 3, false, "à Cox's Bazar", REG_BENGALI),
    [ST_BANGKOK] = STATION("Bangkok", "Asia/Bangkok", 6, false, "à Bangkok", REG_THAI),
    [ST_HANOI] = STATION("Hanoi", "Asia/Ho_Chi_Minh", 2, false, "à Hanoï", REG_VIETNAMESE),
    [ST_BEIJING] = STATION("Beijing", "Asia/Shanghai", 2, false, "à Pékin", REG_CHINESE),
    [ST_TOKYO] = STATION("Tokyo", "Asia/Tokyo", 1, false, "à Tokyo", REG_JAPANESE),
    [ST_FUKUOKA] = STATION("Fukuoka", "Asia/Tokyo", 1, false, "à Fukuoka", REG_JAPANESE),
    [ST_SEOUL] = STATION("Seoul", "Asia/Seoul", 1, false, "à Séoul", REG_KOREAN),
    [ST_INCHEON] = STATION("Incheon", "Asia/Seoul", 1, false, "à Incheon", REG_KOREAN),
    [ST_MANILA] = STATION("Manila", "Asia/Manila", 3, false, "à Manille", REG_FILIPINO),
    [ST_JAKARTA] = STATION("Jakarta", "Asia/Jakarta", 2, false, "à Jakarta", REG_INDONESIAN),
    [ST_ALMATY] = STATION("Almaty", "Asia/Almaty", 1, false, "à Almaty", REG_RUSSIAN),
    [ST_TASHKENT] = STATION("Tashkent", "Asia/Tashkent", 1, false, "à Tachkent", REG_RUSSIAN),
    [ST_SUVA] = STATION("Suva", "Pacific/Fiji", 1, false, "à Suva", REG_ENGLISH),
    [ST_SANTIAGO] =
        STATION("Santiago", "America/Santiago", 4, false, "à Santiago du Chili", REG_SPANISH),
    [ST_BOGOTA] = STATION("Bogotá", "America/Bogota", 3, false, "à Bogota", REG_SPANISH),
    [ST_PANAMA] = STATION("Panama", "America/Panama", 4, false, "à Panama", REG_SPANISH),
    [ST_MEXICO_CITY] =
        STATION("Mexico City", "America/Mexico_City", 2, false, "à Mexico", REG_SPANISH),
    [ST_LIMA] = STATION("Lima", "America/Lima", 2, false, "à Lima", REG_SPANISH),
    [ST_BUENOS_AIRES] = STATION("Buenos Aires", "America/Argentina/Buenos_Aires", 1, false,
                                "à Buenos Aires", REG_SPANISH, REG_ITALIAN),
    [ST_MONTEVIDEO] =
        STATION("Montevideo", "America/Montevideo", 1, false, "à Montevideo", REG_SPANISH),
    [ST_BRASILIA] =
        STATION("Brasília", "America/Sao_Paulo", 2, false, "à Brasilia", REG_PORTUGUESE),
    [ST_RIO] = STATION("Rio de Janeiro", "America/Sao_Paulo", 1, false, "à Rio de Janeiro",
                       REG_PORTUGUESE),
    [ST_PORT_OF_SPAIN] = STATION("Port of Spain", "America/Port_of_Spain", 1, false,
                                 "à Port-d'Espagne", REG_ENGLISH),
    [ST_PORT_AU_PRINCE] = STATION("Port-au-Prince", "America/Port-au-Prince", 2, true,
                                  "à Port-au-Prince", REG_HAITIAN),
};
#undef STATION

#define SEED_MAX_POSTS 16

struct seed_entity {
    const char *name;
    const char *domain;   /* e-mail domain of its staff */
    int weight;           /* share of participants */
    bool six_digit_index; /* Secretariat-style index numbers */
    bool field_service;   /* employs Field Service staff in missions */
    enum seed_network primary;
    unsigned networks;                       /* other job networks common there */
    enum seed_station posts[SEED_MAX_POSTS]; /* headquarters first */
};

#define ENTITY(name, domain, weight, six_digit, field_service, primary, networks, ...)             \
    {                                                                                              \
        name, domain, weight, six_digit, field_service, primary, networks,                         \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

static const struct seed_entity seed_entities[] = {
    ENTITY("UNDP", "undp.example", 8, false, false, NET_ECON,
           NB(NET_MAG) | NB(NET_POL) | NB(NET_SCI), ST_NEW_YORK, ST_COPENHAGEN, ST_ISTANBUL,
           ST_BANGKOK, ST_PANAMA, ST_AMMAN, ST_ADDIS_ABABA, ST_DAKAR, ST_KINSHASA, ST_DHAKA,
           ST_KABUL, ST_JUBA, ST_PORT_AU_PRINCE, ST_HANOI, ST_BEIJING, ST_BOGOTA),
    ENTITY("UNICEF", "unicef.example", 8, false, false, NET_ECON,
           NB(NET_POL) | NB(NET_LOG) | NB(NET_INFO), ST_NEW_YORK, ST_GENEVA, ST_COPENHAGEN,
           ST_NAIROBI, ST_AMMAN, ST_DAKAR, ST_PANAMA, ST_BANGKOK, ST_KATHMANDU, ST_DHAKA,
           ST_COXS_BAZAR, ST_KABUL, ST_JUBA, ST_KINSHASA, ST_PORT_AU_PRINCE, ST_NEW_DELHI),
    ENTITY("UNHCR", "unhcr.example", 7, false, false, NET_POL,
           NB(NET_LEGAL) | NB(NET_LOG) | NB(NET_MAG), ST_GENEVA, ST_BUDAPEST, ST_COPENHAGEN,
           ST_AMMAN, ST_NAIROBI, ST_DAKAR, ST_PANAMA, ST_BANGKOK, ST_PRETORIA, ST_KABUL,
           ST_COXS_BAZAR, ST_JUBA, ST_GAZIANTEP, ST_ERBIL, ST_GOMA, ST_NDJAMENA),
    ENTITY("WFP", "wfp.example", 6, false, false, NET_LOG, NB(NET_ECON) | NB(NET_POL) | NB(NET_MAG),
           ST_ROME, ST_BANGKOK, ST_CAIRO, ST_DAKAR, ST_NAIROBI, ST_JOHANNESBURG, ST_PANAMA, ST_JUBA,
           ST_KABUL, ST_COXS_BAZAR, ST_PORT_AU_PRINCE, ST_NDJAMENA, ST_GOMA, ST_MOGADISHU,
           ST_BRINDISI),
    ENTITY("WHO", "who.example", 5, false, false, NET_SCI,
           NB(NET_ECON) | NB(NET_MAG) | NB(NET_INFO), ST_GENEVA, ST_BRAZZAVILLE, ST_CAIRO,
           ST_NEW_DELHI, ST_MANILA, ST_COPENHAGEN, ST_WASHINGTON, ST_KABUL, ST_JUBA, ST_DHAKA),
    ENTITY("IOM", "iom.example", 2, false, false, NET_POL, NB(NET_MAG) | NB(NET_ECON) | NB(NET_LOG),
           ST_GENEVA, ST_MANILA, ST_PANAMA, ST_BANGKOK, ST_NAIROBI, ST_DAKAR, ST_CAIRO, ST_PRETORIA,
           ST_VIENNA, ST_BRUSSELS, ST_BUENOS_AIRES, ST_COXS_BAZAR, ST_KABUL, ST_PORT_AU_PRINCE,
           ST_JUBA, ST_GAZIANTEP),
    ENTITY("OCHA", "un.example", 5, true, false, NET_POL, NB(NET_INFO) | NB(NET_MAG) | NB(NET_ECON),
           ST_NEW_YORK, ST_GENEVA, ST_AMMAN, ST_BANGKOK, ST_NAIROBI, ST_DAKAR, ST_PANAMA,
           ST_PORT_AU_PRINCE, ST_KABUL, ST_JUBA, ST_KINSHASA, ST_GAZIANTEP, ST_DHAKA),
    ENTITY("DPPA", "un.example", 3, true, true, NET_POL, NB(NET_INFO) | NB(NET_ECON), ST_NEW_YORK,
           ST_GENEVA, ST_DAKAR, ST_KABUL, ST_BAGHDAD, ST_BOGOTA, ST_BEIRUT, ST_NAIROBI),
    ENTITY("DPO", "un.example", 7, true, true, NET_POL, NB(NET_SAFETY) | NB(NET_LOG) | NB(NET_MAG),
           ST_NEW_YORK, ST_JUBA, ST_KINSHASA, ST_GOMA, ST_BANGUI, ST_ENTEBBE, ST_BRINDISI),
    ENTITY("DOS", "un.example", 5, true, true, NET_LOG, NB(NET_MAG) | NB(NET_ITEC), ST_NEW_YORK,
           ST_BRINDISI, ST_VALENCIA, ST_ENTEBBE),
    ENTITY("DMSPC", "un.example", 5, true, false, NET_MAG, NB(NET_LEGAL) | NB(NET_ITEC),
           ST_NEW_YORK, ST_GENEVA, ST_NAIROBI, ST_VIENNA),
    ENTITY("DESA", "un.example", 3, true, false, NET_ECON, NB(NET_SCI) | NB(NET_INFO), ST_NEW_YORK,
           ST_INCHEON),
    ENTITY("UNEP", "un.example", 3, true, false, NET_SCI, NB(NET_ECON) | NB(NET_INFO), ST_NAIROBI,
           ST_GENEVA, ST_PARIS, ST_BANGKOK, ST_PANAMA, ST_WASHINGTON),
    ENTITY("UN-Habitat", "un.example", 2, true, false, NET_ECON, NB(NET_SCI) | NB(NET_MAG),
           ST_NAIROBI, ST_FUKUOKA, ST_RIO, ST_CAIRO, ST_KABUL),
    ENTITY("UNFPA", "unfpa.example", 3, false, false, NET_ECON, NB(NET_MAG) | NB(NET_INFO),
           ST_NEW_YORK, ST_PANAMA, ST_JOHANNESBURG, ST_DAKAR, ST_CAIRO, ST_BANGKOK, ST_ISTANBUL,
           ST_KINSHASA),
    ENTITY("UN Women", "unwomen.example", 3, false, false, NET_ECON, NB(NET_POL) | NB(NET_INFO),
           ST_NEW_YORK, ST_NAIROBI, ST_BANGKOK, ST_PANAMA, ST_CAIRO, ST_DAKAR, ST_ISTANBUL,
           ST_AMMAN),
    ENTITY("ILO", "ilo.example", 2, false, false, NET_ECON, NB(NET_LEGAL) | NB(NET_MAG), ST_GENEVA,
           ST_BANGKOK, ST_LIMA, ST_ABIDJAN, ST_BEIRUT, ST_PRETORIA, ST_NEW_DELHI, ST_DAKAR),
    ENTITY("FAO", "fao.example", 3, false, false, NET_SCI, NB(NET_ECON) | NB(NET_LOG), ST_ROME,
           ST_BANGKOK, ST_SANTIAGO, ST_ACCRA, ST_CAIRO, ST_BUDAPEST, ST_ADDIS_ABABA, ST_DAKAR),
    ENTITY("UNESCO", "unesco.example", 2, false, false, NET_SCI, NB(NET_INFO) | NB(NET_ECON),
           ST_PARIS, ST_DAKAR, ST_NAIROBI, ST_BANGKOK, ST_BEIRUT, ST_JAKARTA, ST_NEW_DELHI,
           ST_MONTEVIDEO),
    ENTITY("OHCHR", "un.example", 3, true, false, NET_POL, NB(NET_LEGAL) | NB(NET_INFO), ST_GENEVA,
           ST_NEW_YORK, ST_BANGKOK, ST_PANAMA, ST_DAKAR, ST_BOGOTA, ST_KINSHASA),
    ENTITY("UNODC", "un.example", 2, true, false, NET_LEGAL, NB(NET_ECON) | NB(NET_SAFETY),
           ST_VIENNA, ST_BANGKOK, ST_DAKAR, ST_PANAMA, ST_NAIROBI, ST_CAIRO, ST_BOGOTA),
    ENTITY("ESCAP", "un.example", 3, true, false, NET_ECON, NB(NET_SCI) | NB(NET_INFO), ST_BANGKOK,
           ST_INCHEON, ST_NEW_DELHI, ST_ALMATY, ST_SUVA),
    ENTITY("ECA", "un.example", 3, true, false, NET_ECON, NB(NET_MAG) | NB(NET_SCI), ST_ADDIS_ABABA,
           ST_KIGALI, ST_NIAMEY, ST_RABAT, ST_YAOUNDE),
    ENTITY("ECLAC", "un.example", 2, true, false, NET_ECON, NB(NET_SCI) | NB(NET_INFO), ST_SANTIAGO,
           ST_MEXICO_CITY, ST_PORT_OF_SPAIN, ST_BOGOTA, ST_BRASILIA, ST_BUENOS_AIRES, ST_MONTEVIDEO,
           ST_WASHINGTON),
    ENTITY("ESCWA", "un.example", 2, true, false, NET_ECON, NB(NET_SCI) | NB(NET_POL), ST_BEIRUT),
    ENTITY("UNOPS", "unops.example", 3, false, false, NET_LOG, NB(NET_MAG) | NB(NET_ECON),
           ST_COPENHAGEN, ST_NEW_YORK, ST_NAIROBI, ST_BANGKOK, ST_PANAMA, ST_AMMAN, ST_DAKAR,
           ST_KABUL, ST_JUBA, ST_GENEVA),
    ENTITY("DGC", "un.example", 2, true, false, NET_INFO, NB(NET_ECON), ST_NEW_YORK, ST_GENEVA,
           ST_VIENNA, ST_NAIROBI, ST_CAIRO, ST_MEXICO_CITY),
    ENTITY("DGACM", "un.example", 3, true, false, NET_INFO, NB(NET_MAG) | NB(NET_LEGAL),
           ST_NEW_YORK, ST_GENEVA, ST_VIENNA, ST_NAIROBI),
    ENTITY("DSS", "un.example", 3, true, true, NET_SAFETY, NB(NET_MAG), ST_NEW_YORK, ST_GENEVA,
           ST_NAIROBI, ST_JUBA, ST_KABUL, ST_BAGHDAD, ST_BANGUI),
    ENTITY("OIOS", "un.example", 1, true, false, NET_MAG, NB(NET_LEGAL), ST_NEW_YORK, ST_GENEVA,
           ST_NAIROBI, ST_VIENNA, ST_ENTEBBE),
    ENTITY("OICT", "un.example", 2, true, true, NET_ITEC, NB(NET_MAG), ST_NEW_YORK, ST_VALENCIA,
           ST_BRINDISI, ST_BANGKOK, ST_NAIROBI, ST_GENEVA),
    ENTITY("OLA", "un.example", 1, true, false, NET_LEGAL, NB(NET_INFO), ST_NEW_YORK, ST_VIENNA),
    ENTITY("UNFCCC", "unfccc.example", 1, false, false, NET_SCI, NB(NET_ECON) | NB(NET_INFO),
           ST_BONN),
    ENTITY("UNV", "unv.example", 1, false, false, NET_MAG, NB(NET_ECON), ST_BONN, ST_NAIROBI,
           ST_BANGKOK),
    ENTITY("UNRWA", "unrwa.example", 2, false, false, NET_ECON, NB(NET_MAG) | NB(NET_LOG), ST_AMMAN,
           ST_BEIRUT, ST_JERUSALEM),
};
#undef ENTITY

#define SEED_N_ENTITIES SEED_COUNT(seed_entities)

/* A name as written in its own script, and the ASCII form used in e-mail
 * addresses. Family names that change with gender carry both forms. */
struct seed_name {
    const char *native;
    const char *ascii;
    const char *native_f; /* NULL: same for women */
    const char *ascii_f;
};
#define NM(n, a)                                                                                   \
    {                                                                                              \
        n, a, NULL, NULL                                                                           \
    }
#define NMG(n, a, nf, af)                                                                          \
    {                                                                                              \
        n, a, nf, af                                                                               \
    }

static const struct seed_name en_f[] = {NM("Sarah", "sarah"),     NM("Emily", "emily"),
                                        NM("Rachel", "rachel"),   NM("Katherine", "katherine"),
                                        NM("Olivia", "olivia"),   NM("Hannah", "hannah"),
                                        NM("Siobhán", "siobhan"), NM("Jessica", "jessica"),
                                        NM("Laura", "laura"),     NM("Megan", "megan")};
static const struct seed_name en_m[] = {
    NM("James", "james"),       NM("Michael", "michael"), NM("Daniel", "daniel"),
    NM("Thomas", "thomas"),     NM("Patrick", "patrick"), NM("Andrew", "andrew"),
    NM("Benjamin", "benjamin"), NM("David", "david"),     NM("Christopher", "christopher"),
    NM("Samuel", "samuel")};
static const struct seed_name en_fam[] = {
    NM("Smith", "smith"),       NM("Johnson", "johnson"),   NM("Williams", "williams"),
    NM("Brown", "brown"),       NM("O'Connor", "oconnor"),  NM("Taylor", "taylor"),
    NM("Walker", "walker"),     NM("Campbell", "campbell"), NM("Murphy", "murphy"),
    NM("Hughes", "hughes"),     NM("Clarke", "clarke"),     NM("Robinson", "robinson"),
    NM("Thompson", "thompson"), NM("Evans", "evans")};

static const struct seed_name fr_f[] = {
    NM("Élodie", "elodie"), NM("Camille", "camille"), NM("Chloé", "chloe"), NM("Hélène", "helene"),
    NM("Amélie", "amelie"), NM("Margaux", "margaux"), NM("Léa", "lea"),     NM("Sophie", "sophie"),
    NM("Céline", "celine"), NM("Aurélie", "aurelie")};
static const struct seed_name fr_m[] = {NM("Julien", "julien"),       NM("Mathieu", "mathieu"),
                                        NM("François", "francois"),   NM("Jérôme", "jerome"),
                                        NM("Antoine", "antoine"),     NM("Benoît", "benoit"),
                                        NM("Étienne", "etienne"),     NM("Olivier", "olivier"),
                                        NM("Sébastien", "sebastien"), NM("Rémi", "remi")};
static const struct seed_name fr_fam[] = {
    NM("Lefèvre", "lefevre"),     NM("Dubois", "dubois"),     NM("Moreau", "moreau"),
    NM("Girard", "girard"),       NM("Rousseau", "rousseau"), NM("Lambert", "lambert"),
    NM("Fontaine", "fontaine"),   NM("Mercier", "mercier"),   NM("Bonnet", "bonnet"),
    NM("Chevalier", "chevalier"), NM("Gauthier", "gauthier"), NM("Faure", "faure"),
    NM("Leclerc", "leclerc"),     NM("Roux", "roux"),         NM("Perrin", "perrin")};

static const struct seed_name es_f[] = {
    NM("María José", "maria-jose"), NM("Lucía", "lucia"),         NM("Carmen", "carmen"),
    NM("Ana Sofía", "ana-sofia"),   NM("Valentina", "valentina"), NM("Isabel", "isabel"),
    NM("Daniela", "daniela"),       NM("Paula", "paula")};
static const struct seed_name es_m[] = {NM("José", "jose"),         NM("Alejandro", "alejandro"),
                                        NM("Andrés", "andres"),     NM("Javier", "javier"),
                                        NM("Diego", "diego"),       NM("Carlos", "carlos"),
                                        NM("Santiago", "santiago"), NM("Ángel", "angel")};
static const struct seed_name es_fam[] = {
    NM("Muñoz", "munoz"),       NM("García", "garcia"),     NM("Rodríguez", "rodriguez"),
    NM("Martínez", "martinez"), NM("López", "lopez"),       NM("Hernández", "hernandez"),
    NM("González", "gonzalez"), NM("Pérez", "perez"),       NM("Sánchez", "sanchez"),
    NM("Ramírez", "ramirez"),   NM("Castillo", "castillo"), NM("Ortega", "ortega"),
    NM("Núñez", "nunez"),       NM("Vargas", "vargas")};

static const struct seed_name pt_f[] = {NM("Ana Luísa", "ana-luisa"), NM("Beatriz", "beatriz"),
                                        NM("Mariana", "mariana"),     NM("Joana", "joana"),
                                        NM("Inês", "ines"),           NM("Fernanda", "fernanda")};
static const struct seed_name pt_m[] = {NM("João", "joao"),     NM("Tiago", "tiago"),
                                        NM("Rafael", "rafael"), NM("Gonçalo", "goncalo"),
                                        NM("Luís", "luis"),     NM("Thiago", "thiago")};
static const struct seed_name pt_fam[] = {
    NM("Silva", "silva"),         NM("Santos", "santos"), NM("Oliveira", "oliveira"),
    NM("Pereira", "pereira"),     NM("Costa", "costa"),   NM("Conceição", "conceicao"),
    NM("Gonçalves", "goncalves"), NM("Araújo", "araujo"), NM("Fernandes", "fernandes"),
    NM("Magalhães", "magalhaes"), NM("Rocha", "rocha"),   NM("Carvalho", "carvalho")};

static const struct seed_name de_f[] = {NM("Katharina", "katharina"),
                                        NM("Sabine", "sabine"),
                                        NM("Lena", "lena"),
                                        NM("Miriam", "miriam"),
                                        NM("Ute", "ute"),
                                        NM("Johanna", "johanna"),
                                        NM("Anja", "anja")};
static const struct seed_name de_m[] = {NM("Jürgen", "juergen"),    NM("Lukas", "lukas"),
                                        NM("Matthias", "matthias"), NM("Stefan", "stefan"),
                                        NM("Tobias", "tobias"),     NM("Florian", "florian"),
                                        NM("Jörg", "joerg")};
static const struct seed_name de_fam[] = {
    NM("Müller", "mueller"),  NM("Schmidt", "schmidt"),  NM("Schneider", "schneider"),
    NM("Fischer", "fischer"), NM("Weber", "weber"),      NM("Becker", "becker"),
    NM("Wagner", "wagner"),   NM("Schäfer", "schaefer"), NM("Hoffmann", "hoffmann"),
    NM("Köhler", "koehler"),  NM("Weiß", "weiss"),       NM("Krüger", "krueger")};

static const struct seed_name it_f[] = {NM("Giulia", "giulia"),     NM("Francesca", "francesca"),
                                        NM("Chiara", "chiara"),     NM("Alessandra", "alessandra"),
                                        NM("Federica", "federica"), NM("Valentina", "valentina")};
static const struct seed_name it_m[] = {NM("Marco", "marco"),       NM("Luca", "luca"),
                                        NM("Giovanni", "giovanni"), NM("Davide", "davide"),
                                        NM("Niccolò", "niccolo"),   NM("Andrea", "andrea")};
static const struct seed_name it_fam[] = {
    NM("Rossi", "rossi"),       NM("Bianchi", "bianchi"), NM("Ricci", "ricci"),
    NM("Esposito", "esposito"), NM("Romano", "romano"),   NM("Colombo", "colombo"),
    NM("Conti", "conti"),       NM("De Luca", "deluca"),  NM("Greco", "greco"),
    NM("Marino", "marino"),     NM("Galli", "galli"),     NM("Ferrara", "ferrara")};

static const struct seed_name nordic_f[] = {NM("Mette", "mette"),   NM("Sofie", "sofie"),
                                            NM("Ida", "ida"),       NM("Ingrid", "ingrid"),
                                            NM("Astrid", "astrid"), NM("Freja", "freja")};
static const struct seed_name nordic_m[] = {NM("Anders", "anders"), NM("Mikkel", "mikkel"),
                                            NM("Søren", "soren"),   NM("Lars", "lars"),
                                            NM("Henrik", "henrik"), NM("Jonas", "jonas")};
static const struct seed_name nordic_fam[] = {
    NM("Jensen", "jensen"),     NM("Nielsen", "nielsen"),     NM("Hansen", "hansen"),
    NM("Pedersen", "pedersen"), NM("Andersen", "andersen"),   NM("Sørensen", "sorensen"),
    NM("Larsen", "larsen"),     NM("Lindqvist", "lindqvist"), NM("Johansson", "johansson"),
    NM("Eriksson", "eriksson")};

static const struct seed_name el_f[] = {NM("Μαρία", "maria"),       NM("Ελένη", "eleni"),
                                        NM("Κατερίνα", "katerina"), NM("Σοφία", "sofia"),
                                        NM("Δήμητρα", "dimitra"),   NM("Αναστασία", "anastasia")};
static const struct seed_name el_m[] = {NM("Γιώργος", "giorgos"),   NM("Νίκος", "nikos"),
                                        NM("Δημήτρης", "dimitris"), NM("Κώστας", "kostas"),
                                        NM("Γιάννης", "giannis"),   NM("Αλέξανδρος", "alexandros")};
static const struct seed_name el_fam[] = {
    NMG("Παπαδόπουλος", "papadopoulos", "Παπαδοπούλου", "papadopoulou"),
    NM("Γεωργίου", "georgiou"),
    NM("Οικονόμου", "oikonomou"),
    NM("Νικολάου", "nikolaou"),
    NMG("Παππάς", "pappas", "Παππά", "pappa"),
    NMG("Καραγιάννης", "karagiannis", "Καραγιάννη", "karagianni"),
    NM("Βασιλείου", "vasileiou"),
    NM("Αντωνίου", "antoniou")};

static const struct seed_name ru_f[] = {NM("Анна", "anna"),          NM("Елена", "elena"),
                                        NM("Ольга", "olga"),         NM("Наталья", "natalia"),
                                        NM("Мария", "maria"),        NM("Татьяна", "tatiana"),
                                        NM("Екатерина", "ekaterina")};
static const struct seed_name ru_m[] = {NM("Алексей", "aleksei"), NM("Дмитрий", "dmitry"),
                                        NM("Сергей", "sergei"),   NM("Андрей", "andrei"),
                                        NM("Иван", "ivan"),       NM("Михаил", "mikhail"),
                                        NM("Николай", "nikolai")};
static const struct seed_name ru_fam[] = {NMG("Иванов", "ivanov", "Иванова", "ivanova"),
                                          NMG("Петров", "petrov", "Петрова", "petrova"),
                                          NMG("Смирнов", "smirnov", "Смирнова", "smirnova"),
                                          NMG("Кузнецов", "kuznetsov", "Кузнецова", "kuznetsova"),
                                          NMG("Соколов", "sokolov", "Соколова", "sokolova"),
                                          NMG("Попов", "popov", "Попова", "popova"),
                                          NMG("Волков", "volkov", "Волкова", "volkova"),
                                          NMG("Лебедев", "lebedev", "Лебедева", "lebedeva"),
                                          NMG("Морозов", "morozov", "Морозова", "morozova"),
                                          NMG("Новиков", "novikov", "Новикова", "novikova")};

static const struct seed_name tr_f[] = {
    NM("Ayşe", "ayse"), NM("Elif", "elif"),   NM("Zeynep", "zeynep"), NM("Büşra", "busra"),
    NM("Gül", "gul"),   NM("Merve", "merve"), NM("Esra", "esra")};
static const struct seed_name tr_m[] = {
    NM("Mehmet", "mehmet"), NM("Mustafa", "mustafa"), NM("Emre", "emre"),  NM("Burak", "burak"),
    NM("Oğuz", "oguz"),     NM("Can", "can"),         NM("Hakan", "hakan")};
static const struct seed_name tr_fam[] = {
    NM("Yılmaz", "yilmaz"), NM("Kaya", "kaya"),     NM("Demir", "demir"), NM("Çelik", "celik"),
    NM("Şahin", "sahin"),   NM("Öztürk", "ozturk"), NM("Aydın", "aydin"), NM("Arslan", "arslan"),
    NM("Doğan", "dogan"),   NM("Koç", "koc")};

static const struct seed_name ar_f[] = {
    NM("فاطمة", "fatima"), NM("مريم", "mariam"),    NM("ليلى", "leila"),
    NM("نور", "nour"),     NM("سارة", "sara"),      NM("هدى", "huda"),
    NM("رانيا", "rania"),  NM("ياسمين", "yasmine"), NM("ريم", "reem")};
static const struct seed_name ar_m[] = {
    NM("محمد", "mohammed"), NM("أحمد", "ahmed"),  NM("علي", "ali"),
    NM("عمر", "omar"),      NM("خالد", "khaled"), NM("يوسف", "youssef"),
    NM("حسن", "hassan"),    NM("طارق", "tarek"),  NM("كريم", "karim")};
static const struct seed_name ar_fam[] = {
    NM("الأحمد", "alahmad"),    NM("الحسيني", "alhusseini"), NM("المصري", "almasri"),
    NM("حداد", "haddad"),       NM("الخطيب", "alkhatib"),    NM("العلي", "alali"),
    NM("الشامي", "alshami"),    NM("منصور", "mansour"),      NM("الزعبي", "alzoubi"),
    NM("عبد الله", "abdullah"), NM("السيد", "elsayed"),      NM("النجار", "alnajjar"),
    NM("سليمان", "suleiman")};

static const struct seed_name mg_f[] = {
    NM("Amina", "amina"), NM("Nadia", "nadia"), NM("Samira", "samira"), NM("Yasmina", "yasmina"),
    NM("Leïla", "leila"), NM("Imane", "imane"), NM("Sofia", "sofia")};
static const struct seed_name mg_m[] = {NM("Karim", "karim"),   NM("Sofiane", "sofiane"),
                                        NM("Mehdi", "mehdi"),   NM("Youssef", "youssef"),
                                        NM("Rachid", "rachid"), NM("Nabil", "nabil"),
                                        NM("Hicham", "hicham")};
static const struct seed_name mg_fam[] = {
    NM("Benali", "benali"),       NM("Bouzid", "bouzid"),         NM("El Idrissi", "elidrissi"),
    NM("Cherkaoui", "cherkaoui"), NM("Mansouri", "mansouri"),     NM("Belkacem", "belkacem"),
    NM("Haddad", "haddad"),       NM("Benjelloun", "benjelloun"), NM("Trabelsi", "trabelsi"),
    NM("Ben Salem", "bensalem")};

static const struct seed_name fa_f[] = {NM("فرشته", "fereshta"), NM("زهرا", "zahra"),
                                        NM("شبنم", "shabnam"),   NM("مریم", "maryam"),
                                        NM("نرگس", "nargis"),    NM("لیلا", "laila")};
static const struct seed_name fa_m[] = {NM("احمد", "ahmad"), NM("محمود", "mahmood"),
                                        NM("نجیب", "najib"), NM("حمید", "hamid"),
                                        NM("فرید", "farid"), NM("جاوید", "javid")};
static const struct seed_name fa_fam[] = {
    NM("احمدی", "ahmadi"), NM("رحیمی", "rahimi"),  NM("حیدری", "haidari"), NM("کریمی", "karimi"),
    NM("نوری", "noori"),   NM("صدیقی", "siddiqi"), NM("هاشمی", "hashimi"), NM("عزیزی", "azizi")};

static const struct seed_name hi_f[] = {
    NM("प्रिया", "priya"), NM("अनीता", "anita"),  NM("सुनीता", "sunita"),  NM("नेहा", "neha"),
    NM("पूजा", "pooja"),   NM("कविता", "kavita"), NM("दीपिका", "deepika")};
static const struct seed_name hi_m[] = {
    NM("राहुल", "rahul"), NM("अमित", "amit"), NM("विजय", "vijay"),  NM("संजय", "sanjay"),
    NM("अर्जुन", "arjun"), NM("रवि", "ravi"),  NM("आदित्य", "aditya")};
static const struct seed_name hi_fam[] = {
    NM("शर्मा", "sharma"),    NM("वर्मा", "verma"), NM("गुप्ता", "gupta"), NM("सिंह", "singh"),
    NM("पटेल", "patel"),      NM("कुमार", "kumar"), NM("मेहता", "mehta"), NM("जोशी", "joshi"),
    NM("अग्रवाल", "agarwal"), NM("राव", "rao"),    NM("नायर", "nair"),  NM("अय्यर", "iyer")};

static const struct seed_name ne_f[] = {NM("सीता", "sita"), NM("सरिता", "sarita"),
                                        NM("अनुषा", "anusha"), NM("बिना", "bina"),
                                        NM("रीता", "rita")};
static const struct seed_name ne_m[] = {NM("राम", "ram"), NM("सुरेश", "suresh"), NM("दीपक", "dipak"),
                                        NM("प्रकाश", "prakash"), NM("बिनोद", "binod")};
static const struct seed_name ne_fam[] = {
    NM("श्रेष्ठ", "shrestha"),    NM("थापा", "thapa"),  NM("गुरुङ", "gurung"), NM("तामाङ", "tamang"),
    NM("अधिकारी", "adhikari"), NM("पौडेल", "paudel"), NM("राई", "rai"),    NM("कार्की", "karki")};

static const struct seed_name bn_f[] = {NM("ফারহানা", "farhana"), NM("নুসরাত", "nusrat"),
                                        NM("তাসলিমা", "taslima"), NM("সুমাইয়া", "sumaiya"),
                                        NM("শারমিন", "sharmin")};
static const struct seed_name bn_m[] = {NM("সাকিব", "sakib"), NM("রফিক", "rafiq"),
                                        NM("তানভীর", "tanvir"), NM("আরিফ", "arif"),
                                        NM("মাহমুদ", "mahmud")};
static const struct seed_name bn_fam[] = {
    NM("হোসেন", "hossain"),   NM("রহমান", "rahman"), NM("আহমেদ", "ahmed"),  NM("ইসলাম", "islam"),
    NM("চৌধুরী", "chowdhury"), NM("খান", "khan"),     NM("সরকার", "sarkar"), NM("হক", "haque")};

static const struct seed_name zh_f[] = {NM("芳", "fang"),      NM("静", "jing"), NM("敏", "min"),
                                        NM("丽娟", "lijuan"),  NM("雪", "xue"),  NM("婷", "ting"),
                                        NM("秀英", "xiuying"), NM("慧", "hui")};
static const struct seed_name zh_m[] = {
    NM("伟", "wei"),        NM("磊", "lei"), NM("洋", "yang"),     NM("建华", "jianhua"),
    NM("晓明", "xiaoming"), NM("浩", "hao"), NM("俊杰", "junjie"), NM("志强", "zhiqiang")};
static const struct seed_name zh_fam[] = {NM("王", "wang"),  NM("李", "li"),   NM("张", "zhang"),
                                          NM("刘", "liu"),   NM("陈", "chen"), NM("杨", "yang"),
                                          NM("黄", "huang"), NM("赵", "zhao"), NM("吴", "wu"),
                                          NM("周", "zhou"),  NM("徐", "xu"),   NM("孙", "sun")};

static const struct seed_name ja_f[] = {
    NM("美咲", "misaki"),   NM("陽子", "yoko"), NM("由美", "yumi"), NM("直子", "naoko"),
    NM("真理子", "mariko"), NM("恵", "megumi"), NM("優子", "yuko")};
static const struct seed_name ja_m[] = {
    NM("健太", "kenta"), NM("翔", "sho"),    NM("大輔", "daisuke"), NM("拓也", "takuya"),
    NM("浩二", "koji"),  NM("誠", "makoto"), NM("隆", "takashi")};
static const struct seed_name ja_fam[] = {
    NM("佐藤", "sato"),      NM("鈴木", "suzuki"), NM("高橋", "takahashi"), NM("田中", "tanaka"),
    NM("渡辺", "watanabe"),  NM("伊藤", "ito"),    NM("山本", "yamamoto"),  NM("中村", "nakamura"),
    NM("小林", "kobayashi"), NM("加藤", "kato")};

static const struct seed_name ko_f[] = {
    NM("서연", "seoyeon"), NM("수빈", "subin"), NM("하은", "haeun"), NM("지민", "jimin"),
    NM("은지", "eunji"),   NM("예린", "yerin"), NM("민지", "minji")};
static const struct seed_name ko_m[] = {NM("민준", "minjun"),  NM("지훈", "jihoon"),
                                        NM("현우", "hyunwoo"), NM("도윤", "doyoon"),
                                        NM("성민", "sungmin"), NM("준호", "junho")};
static const struct seed_name ko_fam[] = {
    NM("김", "kim"),  NM("이", "lee"), NM("박", "park"), NM("최", "choi"), NM("정", "jung"),
    NM("강", "kang"), NM("조", "cho"), NM("윤", "yoon"), NM("장", "jang"), NM("임", "lim")};

/* Vietnamese given names carry the middle name: "Nguyễn" + "Thị Mai". */
static const struct seed_name vi_f[] = {NM("Thị Mai", "mai"),       NM("Thị Lan", "lan"),
                                        NM("Thị Hương", "huong"),   NM("Thu Trang", "trang"),
                                        NM("Ngọc Anh", "ngoc-anh"), NM("Thị Thảo", "thao"),
                                        NM("Thanh Hà", "ha"),       NM("Thị Linh", "linh")};
static const struct seed_name vi_m[] = {NM("Văn Minh", "minh"),   NM("Văn Tuấn", "tuan"),
                                        NM("Văn Dũng", "dung"),   NM("Quang Huy", "huy"),
                                        NM("Đức Anh", "duc-anh"), NM("Văn Thành", "thanh"),
                                        NM("Hoàng Long", "long"), NM("Minh Quân", "quan")};
static const struct seed_name vi_fam[] = {
    NM("Nguyễn", "nguyen"), NM("Trần", "tran"),   NM("Lê", "le"),     NM("Phạm", "pham"),
    NM("Hoàng", "hoang"),   NM("Huỳnh", "huynh"), NM("Phan", "phan"), NM("Vũ", "vu"),
    NM("Võ", "vo"),         NM("Đặng", "dang"),   NM("Bùi", "bui"),   NM("Đỗ", "do")};

static const struct seed_name th_f[] = {NM("สุดารัตน์", "sudarat"), NM("ศิริพร", "siriporn"),
                                        NM("กมลวรรณ", "kamonwan"), NM("นภา", "napa"),
                                        NM("พรทิพย์", "porntip")};
static const struct seed_name th_m[] = {NM("สมชาย", "somchai"), NM("ประเสริฐ", "prasert"),
                                        NM("อนุชา", "anucha"), NM("วิชัย", "wichai"),
                                        NM("ธนากร", "thanakorn")};
static const struct seed_name th_fam[] = {NM("ศรีสวัสดิ์", "srisawat"), NM("วงศ์สวัสดิ์", "wongsawat"),
                                          NM("บุญมา", "boonma"),     NM("แก้วมณี", "kaewmanee"),
                                          NM("จันทร์เพ็ญ", "chanpen"), NM("สุขสมบูรณ์", "suksomboon"),
                                          NM("ทองดี", "thongdee")};

static const struct seed_name fil_f[] = {NM("Maria Cristina", "maria-cristina"),
                                         NM("Jocelyn", "jocelyn"),
                                         NM("Rowena", "rowena"),
                                         NM("Liza", "liza"),
                                         NM("Kristine", "kristine"),
                                         NM("Angelica", "angelica")};
static const struct seed_name fil_m[] = {NM("Jose Miguel", "jose-miguel"),   NM("Rodel", "rodel"),
                                         NM("Mark Anthony", "mark-anthony"), NM("Ramon", "ramon"),
                                         NM("Jericho", "jericho"),           NM("Paolo", "paolo")};
static const struct seed_name fil_fam[] = {NM("Santos", "santos"),
                                           NM("Reyes", "reyes"),
                                           NM("Cruz", "cruz"),
                                           NM("Bautista", "bautista"),
                                           NM("Dela Cruz", "delacruz"),
                                           NM("Mendoza", "mendoza"),
                                           NM("Villanueva", "villanueva"),
                                           NM("Aquino", "aquino"),
                                           NM("Garcia", "garcia"),
                                           NM("Ramos", "ramos")};

static const struct seed_name id_f[] = {NM("Sri", "sri"), NM("Dewi", "dewi"), NM("Putri", "putri"),
                                        NM("Ayu", "ayu"), NM("Rina", "rina"), NM("Indah", "indah")};
static const struct seed_name id_m[] = {NM("Budi", "budi"),     NM("Agus", "agus"),
                                        NM("Rizky", "rizky"),   NM("Adi", "adi"),
                                        NM("Hendra", "hendra"), NM("Bayu", "bayu")};
static const struct seed_name id_fam[] = {NM("Wijaya", "wijaya"),   NM("Santoso", "santoso"),
                                          NM("Hidayat", "hidayat"), NM("Saputra", "saputra"),
                                          NM("Kusuma", "kusuma"),   NM("Pratama", "pratama"),
                                          NM("Nugroho", "nugroho"), NM("Setiawan", "setiawan")};

static const struct seed_name ea_f[] = {
    NM("Amani", "amani"), NM("Wanjiku", "wanjiku"), NM("Achieng", "achieng"),
    NM("Neema", "neema"), NM("Zawadi", "zawadi"),   NM("Grace", "grace"),
    NM("Faith", "faith"), NM("Nakato", "nakato"),   NM("Halima", "halima")};
static const struct seed_name ea_m[] = {
    NM("Baraka", "baraka"),   NM("Juma", "juma"),   NM("Otieno", "otieno"),
    NM("Kamau", "kamau"),     NM("Daudi", "daudi"), NM("Emmanuel", "emmanuel"),
    NM("Mugisha", "mugisha"), NM("Deng", "deng"),   NM("Abdi", "abdi")};
static const struct seed_name ea_fam[] = {
    NM("Njoroge", "njoroge"),   NM("Ochieng", "ochieng"),   NM("Mwangi", "mwangi"),
    NM("Kariuki", "kariuki"),   NM("Wanyama", "wanyama"),   NM("Mutua", "mutua"),
    NM("Odhiambo", "odhiambo"), NM("Kiplagat", "kiplagat"), NM("Okello", "okello"),
    NM("Mwakyusa", "mwakyusa"), NM("Garang", "garang"),     NM("Wafula", "wafula")};

/* Ethiopian names: a given name followed by the father's given name. */
static const struct seed_name et_f[] = {NM("ሰላም", "selam"),      NM("መሰረት", "meseret"),
                                        NM("ትዕግስት", "tigist"),   NM("ሀና", "hanna"),
                                        NM("ብርቱካን", "birtukan"), NM("ሄለን", "helen")};
static const struct seed_name et_m[] = {NM("አበበ", "abebe"),     NM("ዮሐንስ", "yohannes"),
                                        NM("ሙሉጌታ", "mulugeta"), NM("ዳዊት", "dawit"),
                                        NM("ሰለሞን", "solomon"),  NM("ተስፋዬ", "tesfaye")};
static const struct seed_name et_fam[] = {
    NM("ግርማ", "girma"), NM("በቀለ", "bekele"),          NM("ታደሰ", "tadesse"),
    NM("ኃይሌ", "haile"), NM("ከበደ", "kebede"),          NM("አለሙ", "alemu"),
    NM("ደስታ", "desta"), NM("ወልደማርያም", "woldemariam"), NM("ተሾመ", "teshome")};

static const struct seed_name wa_f[] = {NM("Aminata", "aminata"),   NM("Fatoumata", "fatoumata"),
                                        NM("Adjoa", "adjoa"),       NM("Ngozi", "ngozi"),
                                        NM("Chiamaka", "chiamaka"), NM("Awa", "awa"),
                                        NM("Mariama", "mariama"),   NM("Yaa", "yaa"),
                                        NM("Aïssatou", "aissatou")};
static const struct seed_name wa_m[] = {
    NM("Moussa", "moussa"),           NM("Kwame", "kwame"),       NM("Oumar", "oumar"),
    NM("Chukwuemeka", "chukwuemeka"), NM("Ibrahima", "ibrahima"), NM("Kofi", "kofi"),
    NM("Seydou", "seydou"),           NM("Babajide", "babajide"), NM("Mamadou", "mamadou")};
static const struct seed_name wa_fam[] = {NM("Diallo", "diallo"),       NM("Traoré", "traore"),
                                          NM("Ouédraogo", "ouedraogo"), NM("Mensah", "mensah"),
                                          NM("Adeyemi", "adeyemi"),     NM("Okafor", "okafor"),
                                          NM("Koné", "kone"),           NM("Sow", "sow"),
                                          NM("Ndiaye", "ndiaye"),       NM("Boateng", "boateng"),
                                          NM("Coulibaly", "coulibaly"), NM("Keïta", "keita"),
                                          NM("Diop", "diop"),           NM("Asante", "asante")};

static const struct seed_name ca_f[] = {NM("Christelle", "christelle"), NM("Chantal", "chantal"),
                                        NM("Espérance", "esperance"),   NM("Grâce", "grace"),
                                        NM("Nadège", "nadege"),         NM("Clarisse", "clarisse"),
                                        NM("Josiane", "josiane")};
static const struct seed_name ca_m[] = {NM("Jean-Pierre", "jean-pierre"),
                                        NM("Patrick", "patrick"),
                                        NM("Dieudonné", "dieudonne"),
                                        NM("Serge", "serge"),
                                        NM("Blaise", "blaise"),
                                        NM("Fabrice", "fabrice"),
                                        NM("Hervé", "herve")};
static const struct seed_name ca_fam[] = {
    NM("Mukendi", "mukendi"),     NM("Ilunga", "ilunga"),       NM("Tshibangu", "tshibangu"),
    NM("Mbuyi", "mbuyi"),         NM("Kasongo", "kasongo"),     NM("Lukusa", "lukusa"),
    NM("Nzeyimana", "nzeyimana"), NM("Ndayisaba", "ndayisaba"), NM("Mbarga", "mbarga"),
    NM("Ngoma", "ngoma"),         NM("Ondoa", "ondoa")};

static const struct seed_name sa_f[] = {NM("Lerato", "lerato"),     NM("Nomvula", "nomvula"),
                                        NM("Thandiwe", "thandiwe"), NM("Palesa", "palesa"),
                                        NM("Naledi", "naledi"),     NM("Zanele", "zanele")};
static const struct seed_name sa_m[] = {NM("Thabo", "thabo"),   NM("Sipho", "sipho"),
                                        NM("Tshepo", "tshepo"), NM("Bongani", "bongani"),
                                        NM("Mandla", "mandla"), NM("Kagiso", "kagiso")};
static const struct seed_name sa_fam[] = {
    NM("Nkosi", "nkosi"),     NM("Dlamini", "dlamini"), NM("Mokoena", "mokoena"),
    NM("Khumalo", "khumalo"), NM("Ndlovu", "ndlovu"),   NM("Mahlangu", "mahlangu"),
    NM("Molefe", "molefe"),   NM("Sithole", "sithole"), NM("Tembe", "tembe")};

static const struct seed_name ht_f[] = {
    NM("Marie-Claire", "marie-claire"), NM("Jocelyne", "jocelyne"), NM("Stéphanie", "stephanie"),
    NM("Nathalie", "nathalie"),         NM("Guerline", "guerline"), NM("Mirlande", "mirlande")};
static const struct seed_name ht_m[] = {NM("Wilner", "wilner"), NM("Jean-Robert", "jean-robert"),
                                        NM("Fritz", "fritz"),   NM("Ricardo", "ricardo"),
                                        NM("Frantz", "frantz"), NM("Wesner", "wesner")};
static const struct seed_name ht_fam[] = {NM("Jean-Baptiste", "jean-baptiste"),
                                          NM("Pierre", "pierre"),
                                          NM("Joseph", "joseph"),
                                          NM("Louis-Jean", "louis-jean"),
                                          NM("Désir", "desir"),
                                          NM("Charles", "charles"),
                                          NM("Toussaint", "toussaint"),
                                          NM("Étienne", "etienne"),
                                          NM("Saint-Fleur", "saint-fleur")};

struct seed_region_info {
    int weight;        /* share among internationally recruited staff */
    bool family_first; /* written family name first */
    bool joined;       /* no space between the parts (Chinese, Japanese, Korean) */
    bool francophone;  /* a plausible origin for a French-only participant */
    const struct seed_name *female, *male, *family;
    size_t n_female, n_male, n_family;
};

#define REGION(w, ff, j, fr, f, m, fam)                                                            \
    {                                                                                              \
        w, ff, j, fr, f, m, fam, SEED_COUNT(f), SEED_COUNT(m), SEED_COUNT(fam)                     \
    }

static const struct seed_region_info seed_regions[REG_COUNT] = {
    [REG_ENGLISH] = REGION(12, false, false, false, en_f, en_m, en_fam),
    [REG_FRENCH] = REGION(9, false, false, true, fr_f, fr_m, fr_fam),
    [REG_SPANISH] = REGION(8, false, false, false, es_f, es_m, es_fam),
    [REG_PORTUGUESE] = REGION(3, false, false, false, pt_f, pt_m, pt_fam),
    [REG_GERMAN] = REGION(5, false, false, false, de_f, de_m, de_fam),
    [REG_ITALIAN] = REGION(4, false, false, false, it_f, it_m, it_fam),
    [REG_NORDIC] = REGION(3, false, false, false, nordic_f, nordic_m, nordic_fam),
    [REG_GREEK] = REGION(1, false, false, false, el_f, el_m, el_fam),
    [REG_RUSSIAN] = REGION(3, false, false, false, ru_f, ru_m, ru_fam),
    [REG_TURKISH] = REGION(2, false, false, false, tr_f, tr_m, tr_fam),
    [REG_ARABIC] = REGION(6, false, false, true, ar_f, ar_m, ar_fam),
    [REG_MAGHREB] = REGION(3, false, false, true, mg_f, mg_m, mg_fam),
    [REG_DARI] = REGION(1, false, false, false, fa_f, fa_m, fa_fam),
    [REG_HINDI] = REGION(4, false, false, false, hi_f, hi_m, hi_fam),
    [REG_NEPALI] = REGION(1, false, false, false, ne_f, ne_m, ne_fam),
    [REG_BENGALI] = REGION(2, false, false, false, bn_f, bn_m, bn_fam),
    [REG_CHINESE] = REGION(4, true, true, false, zh_f, zh_m, zh_fam),
    [REG_JAPANESE] = REGION(3, true, true, false, ja_f, ja_m, ja_fam),
    [REG_KOREAN] = REGION(2, true, true, false, ko_f, ko_m, ko_fam),
    [REG_VIETNAMESE] = REGION(2, true, false, false, vi_f, vi_m, vi_fam),
    [REG_THAI] = REGION(1, false, false, false, th_f, th_m, th_fam),
    [REG_FILIPINO] = REGION(3, false, false, false, fil_f, fil_m, fil_fam),
    [REG_INDONESIAN] = REGION(1, false, false, false, id_f, id_m, id_fam),
    [REG_EAST_AFRICA] = REGION(5, false, false, false, ea_f, ea_m, ea_fam),
    [REG_ETHIOPIAN] = REGION(2, false, false, false, et_f, et_m, et_fam),
    [REG_WEST_AFRICA] = REGION(6, false, false, true, wa_f, wa_m, wa_fam),
    [REG_CENTRAL_AFRICA] = REGION(2, false, false, true, ca_f, ca_m, ca_fam),
    [REG_SOUTHERN_AFRICA] = REGION(2, false, false, false, sa_f, sa_m, sa_fam),
    [REG_HAITIAN] = REGION(1, false, false, true, ht_f, ht_m, ht_fam),
};

/* Grades, with how often each appears among mentees, mentors and people who
 * are both, the years of experience that fit it, and the job-title level. */
struct seed_grade_info {
    int mentee, mentor, both; /* weights */
    int years_min, years_max;
    int level;  /* index into seed_network_info.titles; -1: depends on years */
    bool local; /* locally recruited (General Service, National Officer) */
};

static const struct seed_grade_info seed_grades[MENTO_GRADE_COUNT] = {
    [MENTO_GRADE_G1] = {1, 0, 0, 1, 3, 0, true},
    [MENTO_GRADE_G2] = {2, 0, 0, 1, 5, 0, true},
    [MENTO_GRADE_G3] = {5, 1, 1, 2, 8, 0, true},
    [MENTO_GRADE_G4] = {10, 2, 3, 3, 12, 0, true},
    [MENTO_GRADE_G5] = {11, 4, 6, 5, 18, 1, true},
    [MENTO_GRADE_G6] = {8, 6, 8, 8, 25, 1, true},
    [MENTO_GRADE_G7] = {4, 6, 6, 12, 30, 1, true},
    [MENTO_GRADE_NOA] = {3, 0, 1, 1, 4, 2, true},
    [MENTO_GRADE_NOB] = {4, 1, 2, 3, 8, 2, true},
    [MENTO_GRADE_NOC] = {3, 3, 4, 6, 14, 3, true},
    [MENTO_GRADE_NOD] = {1, 3, 2, 9, 20, 3, true},
    [MENTO_GRADE_P1] = {2, 0, 0, 1, 3, 2, false},
    [MENTO_GRADE_P2] = {12, 1, 3, 2, 7, 2, false},
    [MENTO_GRADE_P3] = {14, 8, 10, 5, 12, 3, false},
    [MENTO_GRADE_P4] = {8, 15, 8, 8, 18, 3, false},
    [MENTO_GRADE_P5] = {2, 14, 4, 12, 25, 4, false},
    [MENTO_GRADE_D1] = {1, 6, 1, 15, 30, 5, false},
    [MENTO_GRADE_D2] = {0, 2, 0, 18, 35, 5, false},
    [MENTO_GRADE_UG] = {0, 1, 0, 20, 38, 5, false},
    [MENTO_GRADE_FS] = {7, 7, 5, 3, 25, -1, false},
    [MENTO_GRADE_RETIREE] = {0, 10, 0, 25, 40, 4, false},
};

/* IOM cohort grade rules (RULES.md), used to generate eligible applicants;
 * rules_check_eligibility still has the last word. */
#define GB(g) (1ull << (g))
static const uint64_t iom_mentor_grades =
    GB(MENTO_GRADE_G6) | GB(MENTO_GRADE_G7) | GB(MENTO_GRADE_NOC) | GB(MENTO_GRADE_NOD) |
    GB(MENTO_GRADE_P3) | GB(MENTO_GRADE_P4) | GB(MENTO_GRADE_P5) | GB(MENTO_GRADE_D1) |
    GB(MENTO_GRADE_D2);
static const uint64_t iom_mentee_grades =
    GB(MENTO_GRADE_G4) | GB(MENTO_GRADE_G5) | GB(MENTO_GRADE_G6) | GB(MENTO_GRADE_G7) |
    GB(MENTO_GRADE_NOA) | GB(MENTO_GRADE_NOB) | GB(MENTO_GRADE_NOC) | GB(MENTO_GRADE_NOD) |
    GB(MENTO_GRADE_UG) | GB(MENTO_GRADE_P1) | GB(MENTO_GRADE_P2) | GB(MENTO_GRADE_P3);

static const char *const seed_personal_domains[] = {
    "example.com",
    "example.net",
    "example.org",
    "mail.example",
};

/* ======================================================================== */
/* Generation                                                               */
/* ======================================================================== */

enum seed_track { TRACK_TOGETHER, TRACK_IOM, TRACK_JPO_MENTEE, TRACK_JPO_MENTOR };

struct seed_membership {
    int prog; /* SEED_PROG_* */
    unsigned roles;
    int capacity;
    bool hidden;
    const char *status;
    int64_t joined_at;
};

struct seed_person {
    struct mento_profile p;
    char email[128];
    int64_t created_at;
    bool frozen;
    size_t n_members;
    struct seed_membership members[SEED_PROG_COUNT];
};

/* A "together" member who may take part in a generated pairing. */
struct seed_member {
    int64_t user_id;
    unsigned languages;
    int capacity;
    int active; /* active pairings so far */
    int64_t joined_at;
};

struct seed_pool {
    struct seed_member *v;
    size_t n, cap;
};

struct seed_ctx {
    sqlite3 *db;
    struct seed_rng rng;
    int64_t now;
    int64_t seq;
    uint32_t index_offset; /* varies index numbers with the seed */
    size_t undp, iom;      /* indices into seed_entities */
    struct mento_programme progs[SEED_PROG_COUNT];
    sqlite3_stmt *ins_user, *ins_profile, *ins_member, *ins_pairing;
    struct seed_pool mentors, mentees; /* of "together" */
};

static char *seed_dup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static bool seed_set(char **field, const char *value)
{
    free(*field);
    *field = seed_dup(value);
    return *field != NULL;
}

static size_t entity_find(const char *name)
{
    for (size_t i = 0; i < SEED_N_ENTITIES; i++)
        if (strcmp(seed_entities[i].name, name) == 0)
            return i;
    return 0;
}

static size_t entity_posts(const struct seed_entity *e)
{
    size_t n = 0;
    while (n < SEED_MAX_POSTS && e->posts[n] != ST_NONE)
        n++;
    return n;
}

static bool entity_has_francophone_post(const struct seed_entity *e)
{
    for (size_t i = 0; i < entity_posts(e); i++)
        if (seed_stations[e->posts[i]].francophone)
            return true;
    return false;
}

/* A grade for `roles`, limited to the grades in `allowed` (a GB() mask; 0 = any). */
static mento_grade pick_grade(struct seed_rng *r, unsigned roles, uint64_t allowed)
{
    int w[MENTO_GRADE_COUNT];
    for (int i = 0; i < MENTO_GRADE_COUNT; i++) {
        const struct seed_grade_info *g = &seed_grades[i];
        if ((roles & MENTO_ROLE_MENTOR) && (roles & MENTO_ROLE_MENTEE))
            w[i] = g->both;
        else if (roles & MENTO_ROLE_MENTOR)
            w[i] = g->mentor;
        else
            w[i] = g->mentee;
        if (allowed && !(allowed & GB(i)))
            w[i] = 0;
    }
    return (mento_grade)rng_weighted(r, w, MENTO_GRADE_COUNT);
}

static size_t pick_entity(struct seed_rng *r, bool field_service_only)
{
    int w[SEED_N_ENTITIES];
    for (size_t i = 0; i < SEED_N_ENTITIES; i++)
        w[i] =
            (!field_service_only || seed_entities[i].field_service) ? seed_entities[i].weight : 0;
    return rng_weighted(r, w, SEED_N_ENTITIES);
}

/* One of the entity's posts, the larger duty stations more often. French-only
 * participants mostly work where French is spoken; international staff
 * gather at headquarters more than local staff do. */
static enum seed_station pick_station(struct seed_rng *r, const struct seed_entity *e,
                                      bool french_only, bool international)
{
    size_t n = entity_posts(e);
    int w[SEED_MAX_POSTS];
    bool francophone_only = false;
    if (french_only && entity_has_francophone_post(e) && rng_percent(r, 80))
        francophone_only = true;
    for (size_t i = 0; i < n; i++) {
        const struct seed_station_info *st = &seed_stations[e->posts[i]];
        w[i] = (francophone_only && !st->francophone) ? 0 : st->size;
        if (i == 0 && international)
            w[i] *= 2;
    }
    return e->posts[rng_weighted(r, w, n)];
}

/* Where Junior Professional Officers mostly come from: the sponsoring
 * countries, with a share of nationals of programme countries. */
static const enum seed_region seed_jpo_regions[] = {
    REG_NORDIC,  REG_NORDIC, REG_GERMAN,  REG_GERMAN,  REG_JAPANESE, REG_KOREAN,
    REG_ITALIAN, REG_FRENCH, REG_ENGLISH, REG_CHINESE, REG_SPANISH,
};

static enum seed_region pick_region(struct seed_rng *r, enum seed_station st, bool local,
                                    bool french_only, bool jpo)
{
    if (jpo && !french_only && rng_percent(r, 80))
        return seed_jpo_regions[rng_below(r, (uint32_t)SEED_COUNT(seed_jpo_regions))];
    if (local && rng_percent(r, 85)) {
        const enum seed_region *loc = seed_stations[st].locals;
        size_t n = 0;
        while (n < SEED_MAX_LOCALS && loc[n] != REG_NONE)
            n++;
        if (n > 0)
            return loc[rng_below(r, (uint32_t)n)];
    }
    int w[REG_COUNT];
    for (size_t i = 0; i < REG_COUNT; i++)
        w[i] = (!french_only || seed_regions[i].francophone) ? seed_regions[i].weight : 0;
    return (enum seed_region)rng_weighted(r, w, REG_COUNT);
}

static enum seed_network pick_network(struct seed_rng *r, const struct seed_entity *e,
                                      mento_grade grade)
{
    if (grade == MENTO_GRADE_FS) {
        static const int fs_w[NET_COUNT] = {
            [NET_LOG] = 35, [NET_SAFETY] = 25, [NET_MAG] = 25, [NET_ITEC] = 15};
        return (enum seed_network)rng_weighted(r, fs_w, NET_COUNT);
    }
    int x = (int)rng_below(r, 100);
    if (x < 55 || (x < 80 && e->networks == 0))
        return e->primary;
    if (x < 80) {
        int w[NET_COUNT];
        for (int i = 0; i < NET_COUNT; i++)
            w[i] = (e->networks & NB(i)) ? 1 : 0;
        return (enum seed_network)rng_weighted(r, w, NET_COUNT);
    }
    return (enum seed_network)rng_below(r, NET_COUNT);
}

/* A topic index: related to `net` with probability `related_pct`, else one of
 * the general career topics with probability `general_pct`, else any. */
static size_t pick_topic(struct seed_rng *r, enum seed_network net, int related_pct,
                         int general_pct)
{
    int w[SEED_N_TOPICS];
    int x = (int)rng_below(r, 100);
    for (size_t i = 0; i < SEED_N_TOPICS; i++) {
        if (x < related_pct)
            w[i] = (seed_topics[i].networks & NB(net)) ? 1 : 0;
        else if (x < related_pct + general_pct)
            w[i] = seed_topics[i].networks == 0 ? 1 : 0;
        else
            w[i] = 1;
    }
    return rng_weighted(r, w, SEED_N_TOPICS);
}

static bool topic_in(const size_t *list, size_t n, size_t t)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] == t)
            return true;
    return false;
}

/* ---- Biographies ----------------------------------------------------------- */

struct seed_bio_vars {
    const char *title;
    const char *entity;
    const char *station;
    const char *in_fr; /* "à Genève" */
    int years;
    int months;
    size_t t[2]; /* skills to mention */
    size_t g[2]; /* goals to mention */
};

static void bio_append(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
    if (*len + n >= cap)
        n = cap - 1 - *len;
    memcpy(out + *len, s, n);
    *len += n;
    out[*len] = '\0';
}

/* English topics read mid-sentence in lower case ("data analysis"). */
static void bio_append_topic_en(char *out, size_t cap, size_t *len, size_t topic)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%s", seed_topics[topic].en);
    if (buf[0] >= 'A' && buf[0] <= 'Z')
        buf[0] = (char)(buf[0] - 'A' + 'a');
    bio_append(out, cap, len, buf, strlen(buf));
}

/* Fill a template: {title} {a_title} {entity} {station} {fstation} {years} {months}
 * {t1} {t2} {g1} {g2} (English topics) {ft1} {ft2} {fg1} {fg2} (French). */
static void bio_expand(char *out, size_t cap, const char *tpl, const struct seed_bio_vars *v)
{
    size_t len = 0;
    out[0] = '\0';
    for (const char *p = tpl; *p;) {
        if (*p != '{') {
            const char *q = strchr(p, '{');
            size_t n = q ? (size_t)(q - p) : strlen(p);
            bio_append(out, cap, &len, p, n);
            p += n;
            continue;
        }
        const char *end = strchr(p, '}');
        if (!end)
            break;
        char key[16];
        size_t kn = (size_t)(end - p - 1);
        if (kn >= sizeof key)
            kn = sizeof key - 1;
        memcpy(key, p + 1, kn);
        key[kn] = '\0';
        p = end + 1;
        char num[16];
        if (strcmp(key, "title") == 0) {
            bio_append(out, cap, &len, v->title, strlen(v->title));
        } else if (strcmp(key, "a_title") == 0) {
            const char *art = strchr("AEIOU", v->title[0]) ? "an " : "a ";
            bio_append(out, cap, &len, art, strlen(art));
            bio_append(out, cap, &len, v->title, strlen(v->title));
        } else if (strcmp(key, "entity") == 0) {
            bio_append(out, cap, &len, v->entity, strlen(v->entity));
        } else if (strcmp(key, "station") == 0) {
            bio_append(out, cap, &len, v->station, strlen(v->station));
        } else if (strcmp(key, "fstation") == 0) {
            bio_append(out, cap, &len, v->in_fr, strlen(v->in_fr));
        } else if (strcmp(key, "years") == 0 || strcmp(key, "months") == 0) {
            snprintf(num, sizeof num, "%d", key[0] == 'y' ? v->years : v->months);
            bio_append(out, cap, &len, num, strlen(num));
        } else if (key[0] == 't' || key[0] == 'g') {
            const size_t *set = key[0] == 't' ? v->t : v->g;
            bio_append_topic_en(out, cap, &len, set[key[1] == '2']);
        } else if (key[0] == 'f' && (key[1] == 't' || key[1] == 'g') && key[2]) {
            const size_t *set = key[1] == 't' ? v->t : v->g;
            const char *fr = seed_topics[set[key[2] == '2']].fr;
            bio_append(out, cap, &len, fr, strlen(fr));
        }
    }
}

static const char *const bio_mentor_en[] = {
    "{title} with {entity} in {station}, {years} years in the UN system. I enjoy helping "
    "colleagues think through {t1} and {t2}, and I am glad to share what I learned the hard way.",
    "I have spent most of my {years}-year career with {entity} and am now based in {station} as "
    "{a_title}. Ask me about {t1}, {t2} or how to settle into a new duty station.",
    "Currently {a_title} in {station}. Over {years} years I have moved between headquarters and "
    "field posts; mentoring is my way of passing on what others gave me. Strengths: {t1}, {t2}.",
    "{title} ({entity}, {station}). {years} years of experience, much of it in {t1}. Happy to be "
    "a sounding board on {t2} and on career choices.",
};
static const char *const bio_mentee_en[] = {
    "{title} with {entity} in {station}. I would like to grow in {g1} and understand how others "
    "built their careers across duty stations.",
    "I joined {entity} {years} years ago and work in {station}. I am looking for a mentor to help "
    "me with {g1} and {g2}.",
    "Based in {station} with {entity}. My goals for this year: {g1} and {g2}. I value honest "
    "feedback and practical advice.",
    "{title} in {station} with {years} years of experience in {t1}. Next step: {g1}. I would "
    "welcome a mentor who has made a similar move.",
};
static const char *const bio_both_en[] = {
    "{title} with {entity} in {station}. After {years} years I have things to pass on, "
    "especially about {t1}, and things to learn, above all {g1}.",
    "{years} years with {entity}, now in {station}. I mentor colleagues on {t1} and {t2} and "
    "am looking for a mentor myself to work on {g1}.",
};
static const char *const bio_mentor_fr[] = {
    "En poste {fstation} ({entity}), {years} ans d'expérience au sein du système des Nations "
    "Unies. Je partage volontiers ce que j'ai appris sur {ft1} et sur {ft2}.",
    "Après {years} ans de carrière entre siège et terrain, je travaille aujourd'hui "
    "{fstation} pour {entity}. Questions bienvenues sur {ft1}, {ft2} ou l'arrivée dans un nouveau "
    "lieu "
    "d'affectation.",
};
static const char *const bio_mentee_fr[] = {
    "En poste {fstation} ({entity}). Je souhaite progresser sur {fg1} et comprendre comment "
    "d'autres ont construit leur parcours.",
    "Je travaille {fstation} depuis {years} ans. Je cherche un mentor pour m'aider sur {fg1} "
    "et {fg2}.",
};
static const char *const bio_both_fr[] = {
    "En poste {fstation} ({entity}) depuis {years} ans. J'ai de l'expérience sur {ft1} et "
    "j'aimerais progresser sur {fg1}.",
};

struct seed_bio_case {
    bool french;
    unsigned roles;
    mento_grade grade;
    enum seed_track track;
    bool current_jpo; /* appointment "jpo" */
    bool former_jpo;
    size_t n_goals;
};

static void person_bio(struct seed_rng *r, const struct seed_bio_case *c,
                       const struct seed_bio_vars *v, char *out, size_t cap)
{
    const char *tpl;
#define PICK(a) ((a)[rng_below(r, (uint32_t)SEED_COUNT(a))])
    bool mentor = c->roles & MENTO_ROLE_MENTOR, mentee = c->roles & MENTO_ROLE_MENTEE;
    if (c->grade == MENTO_GRADE_RETIREE) {
        tpl = c->french
                  ? "À la retraite après {years} ans au service de {entity}, dernier poste "
                    "{fstation}. Je partage volontiers mon expérience sur {ft1} et {ft2} ; les "
                    "séances s'organisent par courriel."
                  : "Retired from {entity} after {years} years, last posted in {station} as "
                    "{a_title}. Someone mentored me early on and I am glad to do the same; happy "
                    "to talk about {t1} and {t2}. As a retiree I arrange sessions by e-mail.";
    } else if (c->track == TRACK_JPO_MENTEE) {
        if (v->months == 0)
            tpl = c->french ? "JPO au PNUD {fstation}, en tout début d'affectation. Je cherche "
                              "des conseils sur {fg1} et pour trouver mes repères au PNUD."
                            : "Junior Professional Officer with UNDP in {station}, just starting "
                              "my assignment. I am looking for guidance on {g1} and on finding "
                              "my way in UNDP.";
        else
            tpl = c->french ? "JPO au PNUD {fstation} depuis {months} mois. Je cherche des "
                              "conseils sur {fg1} et pour trouver mes repères au PNUD."
                            : "Junior Professional Officer with UNDP in {station}, {months} "
                              "months into my assignment. I am looking for guidance on {g1} and "
                              "on finding my way in UNDP.";
    } else if (c->track == TRACK_JPO_MENTOR && c->current_jpo) {
        tpl = c->french ? "JPO au PNUD {fstation}, en fin d'affectation. J'aide volontiers les "
                          "nouveaux JPO sur {ft1} et {ft2}."
                        : "Junior Professional Officer in {station}, now in the last part of my "
                          "assignment. I remember the first months well and am happy to help new "
                          "JPOs with {t1} and {t2}.";
    } else if (c->track == TRACK_JPO_MENTOR && c->former_jpo) {
        tpl = c->french ? "J'ai été JPO et je travaille aujourd'hui au PNUD {fstation}. Je me "
                          "souviens bien des premiers mois et j'aide volontiers les nouveaux JPO "
                          "sur {ft1} et {ft2}."
                        : "Former JPO, now {a_title} with UNDP in {station}. I remember my own "
                          "first months and am happy to help new JPOs with {t1} and {t2}.";
    } else if (mentor && mentee && c->n_goals > 0) {
        tpl = c->french ? PICK(bio_both_fr) : PICK(bio_both_en);
    } else if (mentee && c->n_goals > 0) {
        tpl = c->french ? PICK(bio_mentee_fr) : PICK(bio_mentee_en);
    } else {
        tpl = c->french ? PICK(bio_mentor_fr) : PICK(bio_mentor_en);
    }
#undef PICK
    bio_expand(out, cap, tpl, v);
}

/* ---- One participant --------------------------------------------------------- */

/* ASCII e-mail part: lower-case letters, digits and '-' only. */
static void email_part(char *out, size_t cap, const char *ascii)
{
    size_t n = 0;
    for (const char *p = ascii; *p && n + 1 < cap; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')
            out[n++] = c;
    }
    out[n] = '\0';
}

static int pick_capacity(struct seed_rng *r, int max)
{
    static const int w[3] = {25, 35, 40}; /* capacity 1, 2, 3 */
    int c = 1 + (int)rng_weighted(r, w, 3);
    return c > max ? max : c;
}

/* Try `roles` in programme `prog`; a person registered as both may still fit
 * one of the two roles. Returns the roles kept (0: not eligible). */
static unsigned eligible_roles(const struct seed_ctx *ctx, int prog, unsigned roles,
                               const struct mento_profile *p)
{
    char reason[256];
    const struct mento_programme *pr = &ctx->progs[prog];
    if (rules_check_eligibility(pr, roles, p, reason, sizeof reason) == MENTO_OK)
        return roles;
    if ((roles & MENTO_ROLE_MENTOR) && (roles & MENTO_ROLE_MENTEE)) {
        if (rules_check_eligibility(pr, MENTO_ROLE_MENTOR, p, reason, sizeof reason) == MENTO_OK)
            return MENTO_ROLE_MENTOR;
        if (rules_check_eligibility(pr, MENTO_ROLE_MENTEE, p, reason, sizeof reason) == MENTO_OK)
            return MENTO_ROLE_MENTEE;
    }
    return 0;
}

/* Add a membership of `prog` if the programme's rules accept the person.
 * Cohort applications fall inside the application window. */
static bool person_join(struct seed_ctx *ctx, struct seed_person *sp, int prog, unsigned roles)
{
    const struct mento_programme *pr = &ctx->progs[prog];
    struct seed_rng *r = &ctx->rng;
    roles = eligible_roles(ctx, prog, roles, &sp->p);
    if (!roles)
        return false;
    struct seed_membership *m = &sp->members[sp->n_members];
    m->prog = prog;
    m->roles = roles;
    m->capacity = (roles & MENTO_ROLE_MENTOR) ? pick_capacity(r, pr->mentor_capacity_max)
                                              : pr->mentor_capacity_default;
    m->hidden = (roles & MENTO_ROLE_MENTOR) && rng_percent(r, 3);
    if (pr->kind == MENTO_PROGRAMME_COHORT) {
        int64_t lo =
            pr->applications_open > sp->created_at ? pr->applications_open : sp->created_at;
        int64_t hi = pr->applications_close < ctx->now ? pr->applications_close : ctx->now;
        if (lo > hi)
            return false; /* the window has not opened yet */
        m->joined_at = lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
        m->status = rng_percent(r, 35) ? "selected" : "applied";
    } else {
        /* Registering and joining are one step. */
        m->joined_at = sp->created_at + rng_range(r, 0, 6 * 3600);
        m->status = "active";
    }
    sp->n_members++;
    return true;
}

/* Generate participant number `i`. Returns MENTO_ERR_INVALID when the draw
 * produced someone no programme accepts (the caller draws again). */
static mento_status person_generate(struct seed_ctx *ctx, int i, struct seed_person *sp)
{
    struct seed_rng *r = &ctx->rng;
    struct mento_profile *p = &sp->p;
    mento_profile_free(p);
    sp->n_members = 0;

    /* Role first: it shapes grade, track and everything after. */
    unsigned roles;
    int x = (int)rng_below(r, 100);
    roles = x < 40   ? MENTO_ROLE_MENTOR
            : x < 90 ? MENTO_ROLE_MENTEE
                     : MENTO_ROLE_MENTOR | MENTO_ROLE_MENTEE;
    bool both = roles == (MENTO_ROLE_MENTOR | MENTO_ROLE_MENTEE);
    enum seed_track track = TRACK_TOGETHER;
    x = (int)rng_below(r, 100);
    if (both)
        track = x < 13 ? TRACK_IOM : TRACK_TOGETHER;
    else if (x < 8)
        track = roles == MENTO_ROLE_MENTOR ? TRACK_JPO_MENTOR : TRACK_JPO_MENTEE;
    else if (x < 21)
        track = TRACK_IOM;

    /* Grade and appointment. */
    mento_grade grade;
    bool current_jpo = false, former_jpo = false;
    int jpo_months = -1;
    if (track == TRACK_JPO_MENTEE) {
        grade = rng_percent(r, 30) ? MENTO_GRADE_P1 : MENTO_GRADE_P2;
        current_jpo = true;
        jpo_months = rng_range(r, 0, 6);
    } else if (track == TRACK_JPO_MENTOR) {
        if (rng_percent(r, 40)) {
            /* A senior JPO in the last year of the assignment. */
            grade = MENTO_GRADE_P2;
            current_jpo = true;
            jpo_months = rng_range(r, 18, 36);
        } else {
            grade = pick_grade(r, roles,
                               GB(MENTO_GRADE_P3) | GB(MENTO_GRADE_P4) | GB(MENTO_GRADE_P5) |
                                   GB(MENTO_GRADE_D1) | GB(MENTO_GRADE_NOC) | GB(MENTO_GRADE_NOD));
            former_jpo = rng_percent(r, 55);
            if (former_jpo)
                jpo_months = rng_range(r, 24, 36);
        }
    } else if (track == TRACK_IOM) {
        uint64_t allowed = both                         ? (iom_mentor_grades & iom_mentee_grades)
                           : roles == MENTO_ROLE_MENTOR ? iom_mentor_grades
                                                        : iom_mentee_grades;
        grade = pick_grade(r, roles, allowed);
    } else {
        grade = pick_grade(r, roles, 0);
    }
    const struct seed_grade_info *g = &seed_grades[grade];
    bool retiree = grade == MENTO_GRADE_RETIREE;
    int years = rng_range(r, g->years_min, g->years_max);
    if (track == TRACK_IOM && grade == MENTO_GRADE_UG)
        years = rng_range(r, 1, 8); /* in IOM, UG are ungraded project staff */
    if (track == TRACK_JPO_MENTEE)
        years = rng_range(r, grade == MENTO_GRADE_P1 ? 1 : 2, 5);
    if (track == TRACK_JPO_MENTOR && current_jpo)
        years = rng_range(r, 4, 7);

    const char *appointment;
    if (retiree)
        appointment = "retiree";
    else if (current_jpo)
        appointment = "jpo";
    else if (track == TRACK_IOM && rng_percent(r, 4))
        appointment = "temporary";
    else {
        x = (int)rng_below(r, 100);
        appointment = x < 55 ? "fixed-term" : x < 70 ? "continuing" : "permanent";
    }

    /* Languages: about 60% English only, 15% French only, 25% both. */
    x = (int)rng_below(r, 100);
    unsigned langs = x < 60 ? MENTO_LANG_EN : x < 75 ? MENTO_LANG_FR : MENTO_LANG_ALL;
    bool french_only = langs == MENTO_LANG_FR;

    /* Entity, duty station, job network. */
    size_t ei;
    if (track == TRACK_JPO_MENTEE || track == TRACK_JPO_MENTOR)
        ei = ctx->undp;
    else if (track == TRACK_IOM)
        ei = ctx->iom;
    else {
        ei = pick_entity(r, grade == MENTO_GRADE_FS);
        for (int k = 0; french_only && k < 5 && !entity_has_francophone_post(&seed_entities[ei]);
             k++)
            ei = pick_entity(r, grade == MENTO_GRADE_FS);
    }
    const struct seed_entity *e = &seed_entities[ei];
    enum seed_station st = pick_station(r, e, french_only, !g->local);
    const struct seed_station_info *sti = &seed_stations[st];
    enum seed_network net = pick_network(r, e, grade);

    /* Name, written in its own script. */
    const struct seed_region_info *reg =
        &seed_regions[pick_region(r, st, g->local, french_only, current_jpo)];
    bool female = rng_percent(r, 50);
    const struct seed_name *given = female ? &reg->female[rng_below(r, (uint32_t)reg->n_female)]
                                           : &reg->male[rng_below(r, (uint32_t)reg->n_male)];
    const struct seed_name *fam = &reg->family[rng_below(r, (uint32_t)reg->n_family)];
    const char *fam_native = female && fam->native_f ? fam->native_f : fam->native;
    const char *fam_ascii = female && fam->ascii_f ? fam->ascii_f : fam->ascii;
    char name[160];
    if (reg->family_first)
        snprintf(name, sizeof name, "%s%s%s", fam_native, reg->joined ? "" : " ", given->native);
    else
        snprintf(name, sizeof name, "%s %s", given->native, fam_native);

    char given_a[48], fam_a[48];
    email_part(given_a, sizeof given_a, given->ascii);
    email_part(fam_a, sizeof fam_a, fam_ascii);
    const char *domain =
        retiree ? seed_personal_domains[rng_below(r, (uint32_t)SEED_COUNT(seed_personal_domains))]
                : e->domain;
    snprintf(sp->email, sizeof sp->email, "%s.%s.%d@%s", given_a, fam_a, i + 1, domain);

    /* Skills and goals from the shared vocabulary. */
    size_t skills[6], goals[4];
    size_t n_skills = (size_t)(roles & MENTO_ROLE_MENTOR ? rng_range(r, 3, 6) : rng_range(r, 2, 4));
    size_t n_goals = (size_t)(roles & MENTO_ROLE_MENTEE ? rng_range(r, 2, 4) : rng_range(r, 0, 2));
    size_t have = 0;
    for (int tries = 0; have < n_skills && tries < 64; tries++) {
        size_t t = pick_topic(r, net, 65, 20);
        if (!topic_in(skills, have, t))
            skills[have++] = t;
    }
    n_skills = have;
    if (n_skills == 0)
        return MENTO_ERR_INVALID;
    have = 0;
    for (int tries = 0; have < n_goals && tries < 64; tries++) {
        size_t t = pick_topic(r, net, 25, 45);
        if (!topic_in(skills, n_skills, t) && !topic_in(goals, have, t))
            goals[have++] = t;
    }
    n_goals = have;

    /* Job title for the biography. */
    int level = g->level;
    if (level < 0)
        level = years < 8 ? 0 : years < 15 ? 1 : 3;
    const char *title =
        current_jpo ? "Junior Professional Officer" : seed_networks[net].titles[level];

    /* Fill the profile. */
    bool ok = seed_set(&p->name, name) && seed_set(&p->job_network, seed_networks[net].name) &&
              seed_set(&p->entity, e->name) && seed_set(&p->duty_station, sti->name) &&
              seed_set(&p->timezone, sti->tz) && seed_set(&p->appointment_type, appointment) &&
              seed_set(&p->email, sp->email);
    if (!ok)
        return MENTO_ERR_NOMEM;
    p->grade = grade;
    p->languages = langs;
    p->years_experience = years;
    p->jpo_months = jpo_months;
    if (!retiree) {
        char idx[16];
        if (e->six_digit_index)
            snprintf(idx, sizeof idx, "%06u",
                     100000u + (uint32_t)(((uint64_t)i * 7919u + ctx->index_offset) % 900000u));
        else
            snprintf(idx, sizeof idx, "%08u",
                     10000000u +
                         (uint32_t)(((uint64_t)i * 48271u + ctx->index_offset) % 90000000u));
        if (!seed_set(&p->index_number, idx))
            return MENTO_ERR_NOMEM;
    }
    if (rng_percent(r, 35)) {
        char url[160];
        snprintf(url, sizeof url, "https://www.linkedin.com/in/%s-%s-%06x", given_a, fam_a,
                 (unsigned)(rng_next(r) & 0xffffff));
        if (!seed_set(&p->linkedin, url))
            return MENTO_ERR_NOMEM;
    }
    for (size_t k = 0; k < n_skills; k++)
        if (!(p->skills[p->n_skills++] = seed_dup(seed_topics[skills[k]].en)))
            return MENTO_ERR_NOMEM;
    for (size_t k = 0; k < n_goals; k++)
        if (!(p->goals[p->n_goals++] = seed_dup(seed_topics[goals[k]].en)))
            return MENTO_ERR_NOMEM;

    bool french = french_only || (langs == MENTO_LANG_ALL && rng_percent(r, 35));
    struct seed_bio_vars v = {
        .title = title,
        .entity = e->name,
        .station = sti->name,
        .in_fr = sti->in_fr,
        .years = years,
        .months = jpo_months,
        .t = {skills[0], n_skills > 1 ? skills[1] : skills[0]},
        .g = {n_goals > 0 ? goals[0] : skills[0], n_goals > 1 ? goals[1] : skills[0]},
    };
    struct seed_bio_case bc = {french, roles, grade, track, current_jpo, former_jpo, n_goals};
    char bio[600];
    person_bio(r, &bc, &v, bio, sizeof bio);
    if (!seed_set(&p->bio, bio))
        return MENTO_ERR_NOMEM;

    /* Account and memberships. */
    sp->created_at = ctx->now - rng_range(r, 2 * SEED_DAY, 730 * SEED_DAY);
    sp->frozen = rng_percent(r, 2);
    bool joined;
    switch (track) {
    case TRACK_IOM:
        joined = person_join(ctx, sp, SEED_PROG_IOM, roles);
        if (joined && rng_percent(r, 35))
            person_join(ctx, sp, SEED_PROG_TOGETHER, roles);
        break;
    case TRACK_JPO_MENTEE:
        joined = person_join(ctx, sp, SEED_PROG_JPO, MENTO_ROLE_MENTEE);
        break;
    case TRACK_JPO_MENTOR:
        joined = person_join(ctx, sp, SEED_PROG_JPO, MENTO_ROLE_MENTOR);
        if (joined && rng_percent(r, 40))
            person_join(ctx, sp, SEED_PROG_TOGETHER, MENTO_ROLE_MENTOR);
        break;
    default:
        joined = person_join(ctx, sp, SEED_PROG_TOGETHER, roles);
        break;
    }
    return joined ? MENTO_OK : MENTO_ERR_INVALID;
}

/* ======================================================================== */
/* Writing rows                                                             */
/* ======================================================================== */

static mento_status step_done(sqlite3_stmt *st)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? MENTO_OK : MENTO_ERR_DB;
}

static mento_status pool_add(struct seed_pool *pool, const struct seed_member *m)
{
    if (pool->n == pool->cap) {
        size_t cap = pool->cap ? pool->cap * 2 : 256;
        struct seed_member *v = realloc(pool->v, cap * sizeof *v);
        if (!v)
            return MENTO_ERR_NOMEM;
        pool->v = v;
        pool->cap = cap;
    }
    pool->v[pool->n++] = *m;
    return MENTO_OK;
}

/* Insert the user, the profile and the memberships of `sp`; returns the new
 * user id in *id. Active "together" members join the pairing pools unless
 * `pairable` is false (the demo accounts are paired by hand). */
static mento_status person_insert(struct seed_ctx *ctx, struct seed_person *sp,
                                  const char *password_hash, bool pairable, int64_t *id)
{
    sqlite3_stmt *st = ctx->ins_user;
    sqlite3_bind_text(st, 1, sp->email, -1, SQLITE_STATIC);
    if (password_hash)
        sqlite3_bind_text(st, 2, password_hash, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_int64(st, 3, sp->created_at);
    sqlite3_bind_int(st, 4, sp->frozen);
    sqlite3_bind_int64(st, 5, ctx->seq);
    if (step_done(st) != MENTO_OK)
        return MENTO_ERR_DB;
    *id = sqlite3_last_insert_rowid(ctx->db);
    sp->p.user_id = *id;

    /* The e-mail lives in users.email; the answers hold everything else. */
    cJSON *json = codec_profile_to_json(&sp->p, CODEC_PROFILE_ADMIN_ONLY);
    char *text = json ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (!text)
        return MENTO_ERR_NOMEM;
    st = ctx->ins_profile;
    sqlite3_bind_int64(st, 1, *id);
    sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, ctx->seq);
    mento_status rc = step_done(st);
    cJSON_free(text);
    if (rc != MENTO_OK)
        return rc;

    for (size_t k = 0; k < sp->n_members; k++) {
        const struct seed_membership *m = &sp->members[k];
        st = ctx->ins_member;
        sqlite3_bind_int64(st, 1, *id);
        sqlite3_bind_text(st, 2, seed_programme_texts[m->prog].id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, (int)m->roles);
        sqlite3_bind_int(st, 4, m->capacity);
        sqlite3_bind_int(st, 5, m->hidden);
        sqlite3_bind_text(st, 6, m->status, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 7, m->joined_at);
        sqlite3_bind_int64(st, 8, ctx->seq);
        if (step_done(st) != MENTO_OK)
            return MENTO_ERR_DB;
        if (!pairable || sp->frozen || m->prog != SEED_PROG_TOGETHER ||
            strcmp(m->status, "active") != 0)
            continue;
        struct seed_member sm = {*id, sp->p.languages, m->capacity, 0, m->joined_at};
        if ((m->roles & MENTO_ROLE_MENTOR) && pool_add(&ctx->mentors, &sm) != MENTO_OK)
            return MENTO_ERR_NOMEM;
        if ((m->roles & MENTO_ROLE_MENTEE) && pool_add(&ctx->mentees, &sm) != MENTO_OK)
            return MENTO_ERR_NOMEM;
    }
    return MENTO_OK;
}

/* ---- Pairings ------------------------------------------------------------------ */

static mento_status pairing_insert(struct seed_ctx *ctx, struct seed_member *mentor,
                                   struct seed_member *mentee)
{
    struct seed_rng *r = &ctx->rng;
    mento_kind kind = rng_percent(r, 75) ? MENTO_KIND_MENTORING : MENTO_KIND_NETWORKING;
    /* Active relationships are recent: mentoring runs a few months, networking
     * one or two; older ones would have ended or been closed for inactivity. */
    int64_t lo = ctx->now - (kind == MENTO_KIND_MENTORING ? 150 : 60) * (int64_t)SEED_DAY;
    if (mentor->joined_at > lo)
        lo = mentor->joined_at;
    if (mentee->joined_at > lo)
        lo = mentee->joined_at;
    int64_t hi = ctx->now - 3600;
    int64_t started = lo >= hi ? lo : lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo));

    sqlite3_stmt *st = ctx->ins_pairing;
    sqlite3_bind_text(st, 1, seed_programme_texts[SEED_PROG_TOGETHER].id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, mentor->user_id);
    sqlite3_bind_int64(st, 3, mentee->user_id);
    sqlite3_bind_text(st, 4, mento_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, started);
    sqlite3_bind_int64(st, 6, ctx->seq);
    if (step_done(st) != MENTO_OK)
        return MENTO_ERR_DB;
    mentor->active++;
    mentee->active++;
    return MENTO_OK;
}

/* A mentee of the pool who shares a session language with `mentor`, has room
 * for another mentor and is not already paired with this one. NULL if none
 * turned up after a bounded number of draws. */
static struct seed_member *pick_mentee(struct seed_ctx *ctx, const struct seed_member *mentor,
                                       const int64_t *taken, size_t n_taken)
{
    int max = ctx->progs[SEED_PROG_TOGETHER].mentee_max_mentors;
    if (ctx->mentees.n == 0)
        return NULL;
    for (int tries = 0; tries < 200; tries++) {
        struct seed_member *m = &ctx->mentees.v[rng_below(&ctx->rng, (uint32_t)ctx->mentees.n)];
        if (m->user_id == mentor->user_id || m->active >= max ||
            !rules_languages_share(m->languages, mentor->languages))
            continue;
        bool dup = false;
        for (size_t k = 0; k < n_taken; k++)
            dup |= taken[k] == m->user_id;
        if (!dup)
            return m;
    }
    return NULL;
}

/* Give `mentor` up to `want` more mentees. */
static mento_status mentor_fill(struct seed_ctx *ctx, struct seed_member *mentor, int want)
{
    int64_t taken[8];
    size_t n_taken = 0;
    while (want-- > 0 && mentor->active < mentor->capacity && n_taken < SEED_COUNT(taken)) {
        struct seed_member *m = pick_mentee(ctx, mentor, taken, n_taken);
        if (!m)
            break;
        mento_status st = pairing_insert(ctx, mentor, m);
        if (st != MENTO_OK)
            return st;
        taken[n_taken++] = m->user_id;
    }
    return MENTO_OK;
}

/* About a tenth of the mentors end up full and a quarter partly booked, so the
 * directory shows every state a mentor can be in. */
static mento_status pairings_generate(struct seed_ctx *ctx)
{
    struct seed_pool *mentors = &ctx->mentors;
    for (size_t i = mentors->n; i > 1; i--) { /* Fisher-Yates */
        size_t j = rng_below(&ctx->rng, (uint32_t)i);
        struct seed_member t = mentors->v[i - 1];
        mentors->v[i - 1] = mentors->v[j];
        mentors->v[j] = t;
    }
    size_t want_full = (mentors->n + 9) / 10, full = 0, i = 0;
    for (; i < mentors->n && full < want_full; i++) {
        struct seed_member *m = &mentors->v[i];
        mento_status st = mentor_fill(ctx, m, m->capacity);
        if (st != MENTO_OK)
            return st;
        full += m->active == m->capacity;
    }
    size_t partial_end = i + mentors->n / 4;
    for (; i < mentors->n && i < partial_end; i++) {
        struct seed_member *m = &mentors->v[i];
        if (m->capacity < 2)
            continue;
        mento_status st = mentor_fill(ctx, m, rng_range(&ctx->rng, 1, m->capacity - 1));
        if (st != MENTO_OK)
            return st;
    }
    return MENTO_OK;
}

/* ---- Demo accounts ---------------------------------------------------------------- */

struct seed_demo_profile {
    const char *email;
    const char *name;
    mento_grade grade;
    enum seed_network network;
    const char *entity;
    enum seed_station station;
    unsigned languages;
    int years;
    const char *appointment;
    const char *index_number;
    const char *linkedin;
    const char *bio;
    const char *skills[6];
    const char *goals[4];
};

static const struct seed_demo_profile seed_demo_mentee = {
    "mentee@demo.mento.example",
    "Nguyễn Thị Mai",
    MENTO_GRADE_P2,
    NET_ECON,
    "UNEP",
    ST_NAIROBI,
    MENTO_LANG_ALL,
    4,
    "fixed-term",
    "00412987",
    "https://www.linkedin.com/in/mai-nguyen-demo",
    "Associate Programme Officer with UNEP in Nairobi, working on climate finance partnerships. "
    "I would like to lead a small team one day and to try a posting in another region; I am "
    "looking for a mentor who has made that kind of move.",
    {"Data analysis", "Report writing", "Sustainable development"},
    {"Team leadership", "Partnerships and resource mobilization", "Mobility across duty stations",
     "Public speaking"},
};

static const struct seed_demo_profile seed_demo_mentor = {
    "mentor@demo.mento.example",
    "Élodie Lefèvre",
    MENTO_GRADE_P5,
    NET_ECON,
    "UNDP",
    ST_GENEVA,
    MENTO_LANG_ALL,
    19,
    "permanent",
    "00278345",
    "https://www.linkedin.com/in/elodie-lefevre-demo",
    "Senior Programme Officer with UNDP in Geneva, after postings in Dakar, Bangkok and New York. "
    "I have led teams of up to twenty people and negotiated multi-donor partnerships. Happy to "
    "talk about leading for the first time, moving between regions, and finding your voice in "
    "meetings - in English or in French.",
    {"Team leadership", "Partnerships and resource mobilization", "Mobility across duty stations",
     "Public speaking", "Project management", "Sustainable development"},
    {"Coaching and mentoring"},
};

static const struct seed_demo_profile seed_demo_admin = {
    "admin@demo.mento.example",
    "Amani Njoroge",
    MENTO_GRADE_P4,
    NET_MAG,
    "DMSPC",
    ST_NEW_YORK,
    MENTO_LANG_ALL,
    14,
    "permanent",
    "512306",
    NULL,
    "Human Resources Officer in the programme team: I look after registrations, cohort "
    "selection and pairing in the three mentoring programmes.",
    {"Human resources", "Change management"},
    {NULL},
};

static mento_status demo_person(const struct seed_demo_profile *d, int64_t created_at,
                                struct seed_person *sp)
{
    struct mento_profile *p = &sp->p;
    const struct seed_station_info *sti = &seed_stations[d->station];
    mento_profile_free(p);
    snprintf(sp->email, sizeof sp->email, "%s", d->email);
    sp->created_at = created_at;
    sp->frozen = false;
    sp->n_members = 0;
    bool ok =
        seed_set(&p->name, d->name) && seed_set(&p->job_network, seed_networks[d->network].name) &&
        seed_set(&p->entity, d->entity) && seed_set(&p->duty_station, sti->name) &&
        seed_set(&p->timezone, sti->tz) && seed_set(&p->appointment_type, d->appointment) &&
        seed_set(&p->index_number, d->index_number) && seed_set(&p->bio, d->bio) &&
        seed_set(&p->email, d->email) && (!d->linkedin || seed_set(&p->linkedin, d->linkedin));
    if (!ok)
        return MENTO_ERR_NOMEM;
    p->grade = d->grade;
    p->languages = d->languages;
    p->years_experience = d->years;
    for (size_t k = 0; k < SEED_COUNT(d->skills) && d->skills[k]; k++)
        if (!(p->skills[p->n_skills++] = seed_dup(d->skills[k])))
            return MENTO_ERR_NOMEM;
    for (size_t k = 0; k < SEED_COUNT(d->goals) && d->goals[k]; k++)
        if (!(p->goals[p->n_goals++] = seed_dup(d->goals[k])))
            return MENTO_ERR_NOMEM;
    return MENTO_OK;
}

static void demo_member(struct seed_person *sp, int prog, unsigned roles, int capacity)
{
    struct seed_membership *m = &sp->members[sp->n_members++];
    m->prog = prog;
    m->roles = roles;
    m->capacity = capacity;
    m->hidden = false;
    m->status = "active";
    m->joined_at = sp->created_at + 600;
}

static mento_status demo_accounts(struct seed_ctx *ctx, const char *password_hash,
                                  struct seed_demo_accounts *out)
{
    struct seed_person sp;
    memset(&sp, 0, sizeof sp);
    mento_profile_init(&sp.p);
    int64_t mentee_id = 0, mentor_id = 0, admin_id = 0;
    int cap = ctx->progs[SEED_PROG_TOGETHER].mentor_capacity_max;
    char reason[256];
    mento_status st;

    /* The administrator of all three programmes. */
    st = demo_person(&seed_demo_admin, ctx->now - 400 * (int64_t)SEED_DAY, &sp);
    for (int k = 0; st == MENTO_OK && k < SEED_PROG_COUNT; k++)
        demo_member(&sp, k, MENTO_ROLE_ADMIN, ctx->progs[k].mentor_capacity_default);
    if (st == MENTO_OK)
        st = person_insert(ctx, &sp, password_hash, false, &admin_id);

    /* The mentor: free capacity, one current mentee. */
    if (st == MENTO_OK)
        st = demo_person(&seed_demo_mentor, ctx->now - 300 * (int64_t)SEED_DAY, &sp);
    if (st == MENTO_OK) {
        demo_member(&sp, SEED_PROG_TOGETHER, MENTO_ROLE_MENTOR, cap < 3 ? cap : 3);
        if (rules_check_eligibility(&ctx->progs[SEED_PROG_TOGETHER], MENTO_ROLE_MENTOR, &sp.p,
                                    reason, sizeof reason) != MENTO_OK)
            st = MENTO_ERR_INVALID;
    }
    if (st == MENTO_OK)
        st = person_insert(ctx, &sp, password_hash, false, &mentor_id);
    if (st == MENTO_OK) {
        struct seed_member mentor = {mentor_id, sp.p.languages, cap < 3 ? cap : 3, 0,
                                     sp.members[0].joined_at};
        st = mentor_fill(ctx, &mentor, 1);
    }

    /* The mentee: no mentor yet, so that the whole request flow can be tried. */
    if (st == MENTO_OK)
        st = demo_person(&seed_demo_mentee, ctx->now - 30 * (int64_t)SEED_DAY, &sp);
    if (st == MENTO_OK) {
        demo_member(&sp, SEED_PROG_TOGETHER, MENTO_ROLE_MENTEE,
                    ctx->progs[SEED_PROG_TOGETHER].mentor_capacity_default);
        if (rules_check_eligibility(&ctx->progs[SEED_PROG_TOGETHER], MENTO_ROLE_MENTEE, &sp.p,
                                    reason, sizeof reason) != MENTO_OK)
            st = MENTO_ERR_INVALID;
    }
    if (st == MENTO_OK)
        st = person_insert(ctx, &sp, password_hash, false, &mentee_id);
    mento_profile_free(&sp.p);

    if (st == MENTO_OK && out) {
        snprintf(out->mentee_email, sizeof out->mentee_email, "%s", seed_demo_mentee.email);
        snprintf(out->mentor_email, sizeof out->mentor_email, "%s", seed_demo_mentor.email);
        snprintf(out->admin_email, sizeof out->admin_email, "%s", seed_demo_admin.email);
        out->mentee_id = mentee_id;
        out->mentor_id = mentor_id;
        out->admin_id = admin_id;
    }
    return st;
}

/* When a previous run created the demo accounts, refresh their password and
 * report them. *found is false when they do not exist. */
static mento_status demo_existing(sqlite3 *db, const char *password_hash,
                                  struct seed_demo_accounts *out, bool *found)
{
    const struct seed_demo_profile *who[3] = {&seed_demo_mentee, &seed_demo_mentor,
                                              &seed_demo_admin};
    int64_t ids[3] = {0, 0, 0};
    sqlite3_stmt *sel = NULL, *upd = NULL;
    *found = false;
    if (sqlite3_prepare_v2(db, "SELECT id FROM users WHERE email = ?", -1, &sel, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(db, "UPDATE users SET password_hash = ? WHERE id = ?", -1, &upd, NULL) !=
            SQLITE_OK) {
        sqlite3_finalize(sel);
        return MENTO_ERR_DB;
    }
    mento_status st = MENTO_OK;
    for (int k = 0; k < 3 && st == MENTO_OK; k++) {
        sqlite3_bind_text(sel, 1, who[k]->email, -1, SQLITE_STATIC);
        int rc = sqlite3_step(sel);
        if (rc == SQLITE_ROW)
            ids[k] = sqlite3_column_int64(sel, 0);
        else if (rc != SQLITE_DONE)
            st = MENTO_ERR_DB;
        sqlite3_reset(sel);
    }
    if (st == MENTO_OK && ids[0] != 0) {
        *found = true;
        for (int k = 0; k < 3 && st == MENTO_OK; k++) {
            if (!ids[k])
                continue;
            if (password_hash)
                sqlite3_bind_text(upd, 1, password_hash, -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(upd, 1);
            sqlite3_bind_int64(upd, 2, ids[k]);
            st = step_done(upd);
        }
        if (st == MENTO_OK && out) {
            snprintf(out->mentee_email, sizeof out->mentee_email, "%s", seed_demo_mentee.email);
            snprintf(out->mentor_email, sizeof out->mentor_email, "%s", seed_demo_mentor.email);
            snprintf(out->admin_email, sizeof out->admin_email, "%s", seed_demo_admin.email);
            out->mentee_id = ids[0];
            out->mentor_id = ids[1];
            out->admin_id = ids[2];
        }
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return st;
}

/* ======================================================================== */
/* Entry points                                                             */
/* ======================================================================== */

static mento_status programme_build(const struct seed_programme_text *t, int64_t now,
                                    struct mento_programme *p)
{
    mento_programme_init(p);
    if (!seed_set(&p->id, t->id) || !seed_set(&p->name, t->name) ||
        !seed_set(&p->description, t->description))
        return MENTO_ERR_NOMEM;
    p->kind = t->kind;
    p->matching = t->matching;
    p->eligibility = t->eligibility;
    p->languages = t->languages;
    if (t->kind == MENTO_PROGRAMME_COHORT) {
        p->applications_open = now;
        p->applications_close = now + 8 * (int64_t)SEED_WEEK;
        p->pairing_announced = p->applications_close + 4 * (int64_t)SEED_WEEK;
        p->length_months = t->length_months;
    }
    p->agenda = calloc(t->n_agenda, sizeof *p->agenda);
    if (!p->agenda)
        return MENTO_ERR_NOMEM;
    p->n_agenda = t->n_agenda;
    for (size_t i = 0; i < t->n_agenda; i++)
        if (!seed_set(&p->agenda[i], t->agenda[i]))
            return MENTO_ERR_NOMEM;
    p->resources = calloc(t->n_resources, sizeof *p->resources);
    if (!p->resources)
        return MENTO_ERR_NOMEM;
    p->n_resources = t->n_resources;
    for (size_t i = 0; i < t->n_resources; i++) {
        const struct seed_resource_text *rt = &t->resources[i];
        struct mento_resource *res = &p->resources[i];
        if (!seed_set(&res->id, rt->id) || !seed_set(&res->kind, rt->kind) ||
            !seed_set(&res->title, rt->title) || !seed_set(&res->body, rt->body))
            return MENTO_ERR_NOMEM;
    }
    return MENTO_OK;
}

mento_status seed_programmes(sqlite3 *db, int64_t now)
{
    if (db_begin_write(db) != MENTO_OK)
        return MENTO_ERR_DB;
    sqlite3_stmt *count = NULL, *ins = NULL;
    mento_status st = MENTO_OK;
    int existing = -1;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM programmes", -1, &count, NULL) == SQLITE_OK &&
        sqlite3_step(count) == SQLITE_ROW)
        existing = sqlite3_column_int(count, 0);
    sqlite3_finalize(count);
    if (existing < 0) {
        db_rollback(db);
        return MENTO_ERR_DB;
    }
    if (existing > 0) { /* an administrator's programmes are theirs to keep */
        db_rollback(db);
        return MENTO_OK;
    }
    int64_t seq = db_next_seq(db);
    if (!seq || sqlite3_prepare_v2(db, "INSERT INTO programmes(id, settings, seq) VALUES (?, ?, ?)",
                                   -1, &ins, NULL) != SQLITE_OK)
        st = MENTO_ERR_DB;
    for (size_t i = 0; st == MENTO_OK && i < SEED_COUNT(seed_programme_texts); i++) {
        struct mento_programme prog;
        st = programme_build(&seed_programme_texts[i], now, &prog);
        char *text = NULL;
        if (st == MENTO_OK) {
            cJSON *json = codec_programme_to_json(&prog);
            text = json ? cJSON_PrintUnformatted(json) : NULL;
            cJSON_Delete(json);
            if (!text)
                st = MENTO_ERR_NOMEM;
        }
        if (st == MENTO_OK) {
            sqlite3_bind_text(ins, 1, prog.id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 2, text, -1, SQLITE_STATIC);
            sqlite3_bind_int64(ins, 3, seq);
            st = step_done(ins);
        }
        cJSON_free(text);
        mento_programme_free(&prog);
    }
    sqlite3_finalize(ins);
    if (st != MENTO_OK) {
        db_rollback(db);
        return st;
    }
    return db_commit(db);
}

static mento_status programmes_load(sqlite3 *db, struct mento_programme *progs)
{
    sqlite3_stmt *sel = NULL;
    if (sqlite3_prepare_v2(db, "SELECT settings FROM programmes WHERE id = ?", -1, &sel, NULL) !=
        SQLITE_OK)
        return MENTO_ERR_DB;
    mento_status st = MENTO_OK;
    for (int k = 0; k < SEED_PROG_COUNT && st == MENTO_OK; k++) {
        sqlite3_bind_text(sel, 1, seed_programme_texts[k].id, -1, SQLITE_STATIC);
        int rc = sqlite3_step(sel);
        if (rc == SQLITE_ROW) {
            cJSON *json = cJSON_Parse((const char *)sqlite3_column_text(sel, 0));
            struct codec_error err;
            st = json ? codec_programme_from_json(json, &progs[k], &err) : MENTO_ERR_PARSE;
            cJSON_Delete(json);
        } else {
            st = rc == SQLITE_DONE ? MENTO_ERR_NOT_FOUND : MENTO_ERR_DB;
        }
        sqlite3_reset(sel);
    }
    sqlite3_finalize(sel);
    return st;
}

static void ctx_free(struct seed_ctx *ctx)
{
    sqlite3_finalize(ctx->ins_user);
    sqlite3_finalize(ctx->ins_profile);
    sqlite3_finalize(ctx->ins_member);
    sqlite3_finalize(ctx->ins_pairing);
    for (int k = 0; k < SEED_PROG_COUNT; k++)
        mento_programme_free(&ctx->progs[k]);
    free(ctx->mentors.v);
    free(ctx->mentees.v);
}

static mento_status ctx_prepare(struct seed_ctx *ctx)
{
    static const char *const sql[4] = {
        "INSERT INTO users(email, password_hash, created_at, frozen, seq) VALUES (?, ?, ?, ?, ?)",
        "INSERT INTO profiles(user_id, answers, seq) VALUES (?, ?, ?)",
        "INSERT INTO memberships(user_id, programme_id, roles, capacity, hidden, status,"
        " joined_at, seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "INSERT INTO pairings(programme_id, mentor_id, mentee_id, kind, state, started_at, seq)"
        " VALUES (?, ?, ?, ?, 'active', ?, ?)",
    };
    sqlite3_stmt **out[4] = {&ctx->ins_user, &ctx->ins_profile, &ctx->ins_member,
                             &ctx->ins_pairing};
    for (int k = 0; k < 4; k++)
        if (sqlite3_prepare_v2(ctx->db, sql[k], -1, out[k], NULL) != SQLITE_OK)
            return MENTO_ERR_DB;
    return MENTO_OK;
}

static mento_status participants_write(struct seed_ctx *ctx, int count,
                                       const char *demo_password_hash,
                                       struct seed_demo_accounts *out)
{
    struct seed_person sp;
    memset(&sp, 0, sizeof sp);
    mento_profile_init(&sp.p);
    mento_status st = MENTO_OK;
    for (int i = 0; i < count && st == MENTO_OK; i++) {
        /* A draw that no programme accepts is drawn again; the generator aims
         * at eligible people, so this is rare. */
        int attempts = 0;
        do
            st = person_generate(ctx, i, &sp);
        while (st == MENTO_ERR_INVALID && ++attempts < 64);
        int64_t id;
        if (st == MENTO_OK)
            st = person_insert(ctx, &sp, NULL, true, &id);
    }
    mento_profile_free(&sp.p);
    if (st == MENTO_OK)
        st = demo_accounts(ctx, demo_password_hash, out);
    if (st == MENTO_OK)
        st = pairings_generate(ctx);
    return st;
}

mento_status seed_participants(sqlite3 *db, uint64_t seed, int count, int64_t now,
                               const char *demo_password_hash, struct seed_demo_accounts *out)
{
    if (count < 0)
        return MENTO_ERR_INVALID;
    mento_status st = seed_programmes(db, now);
    if (st != MENTO_OK)
        return st;

    struct seed_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.db = db;
    ctx.now = now;
    rng_init(&ctx.rng, seed);
    ctx.index_offset = (uint32_t)(rng_next(&ctx.rng) % 1000000u);
    ctx.undp = entity_find("UNDP");
    ctx.iom = entity_find("IOM");
    for (int k = 0; k < SEED_PROG_COUNT; k++)
        mento_programme_init(&ctx.progs[k]);

    st = programmes_load(db, ctx.progs);
    if (st == MENTO_OK && db_begin_write(db) != MENTO_OK)
        st = MENTO_ERR_DB;
    if (st != MENTO_OK) {
        ctx_free(&ctx);
        return st;
    }
    bool found = false;
    st = demo_existing(db, demo_password_hash, out, &found);
    if (st == MENTO_OK && !found) {
        ctx.seq = db_next_seq(db);
        st = ctx.seq ? ctx_prepare(&ctx) : MENTO_ERR_DB;
        if (st == MENTO_OK)
            st = participants_write(&ctx, count, demo_password_hash, out);
    }
    ctx_free(&ctx);
    if (st != MENTO_OK) {
        db_rollback(db);
        return st;
    }
    return db_commit(db);
}
