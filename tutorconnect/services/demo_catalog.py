"""The demo data itself: subjects, tutors, students, review texts and the fixed logins.

Plain values only; services/demo.py loads them. Keys derive from DEMO_NAMESPACE so the
same person or subject gets the same id on every machine.
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass

from tutorconnect.models import TutorStatus

DEMO_PASSWORD = "demo-password-1"
DEMO_DOMAIN = "tutorconnect.test"
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
STUDENT_EMAIL = f"student@{DEMO_DOMAIN}"
TUTOR_EMAIL = f"tutor@{DEMO_DOMAIN}"
# Fixed namespace: the same person or subject gets the same id on every machine.
DEMO_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://tutorconnect.test/demo-data")


# Data ---------------------------------------------------------------------------------
# (slug, name, category)
SUBJECTS: tuple[tuple[str, str, str], ...] = (
    ("mathematics", "Mathematics", "Mathematics"),
    ("statistics", "Statistics", "Mathematics"),
    ("physics", "Physics", "Sciences"),
    ("chemistry", "Chemistry", "Sciences"),
    ("biology", "Biology", "Sciences"),
    ("english", "English", "Languages"),
    ("spanish", "Spanish", "Languages"),
    ("french", "French", "Languages"),
    ("german", "German", "Languages"),
    ("hindi", "Hindi", "Languages"),
    ("japanese", "Japanese", "Languages"),
    ("computer-science", "Computer Science", "Computing"),
    ("python-programming", "Python Programming", "Computing"),
    ("data-science", "Data Science", "Computing"),
    ("web-development", "Web Development", "Computing"),
    ("economics", "Economics", "Humanities & Commerce"),
    ("accountancy", "Accountancy", "Humanities & Commerce"),
    ("history", "History", "Humanities & Commerce"),
    ("music-theory", "Music Theory", "Music"),
    ("piano", "Piano", "Music"),
    ("guitar", "Guitar", "Music"),
    ("ielts-preparation", "IELTS Preparation", "Test Preparation"),
    ("sat-math", "SAT Math", "Test Preparation"),
    ("art-drawing", "Art & Drawing", "Arts"),
)


@dataclass(frozen=True)
class _Tutor:
    name: str
    zone: str
    city: str
    subjects: tuple[tuple[str, str], ...]  # (subject slug, level)
    rupees: int | None
    years: int | None
    headline: str
    about: str
    extra: str = ""
    status: str = TutorStatus.APPROVED.value
    email: str = ""


_E, _A, _I, _B = "expert", "advanced", "intermediate", "beginner"
_KOL = "Asia/Kolkata"

TUTORS: tuple[_Tutor, ...] = (
    _Tutor("Priya Sharma", _KOL, "Pune", (("mathematics", _E), ("statistics", _A)), 1200, 11,
           "IIT Bombay graduate making board and JEE maths feel logical",
           "I studied mathematics at IIT Bombay and have spent eleven years helping students in classes 9 to 12 prepare for CBSE, ICSE and JEE. Most of my students come to me convinced they are 'not a maths person' and leave enjoying the subject.",
           "Outside lessons I write puzzle sets for a school maths club and run a small weekend workshop on mental arithmetic.",
           email=TUTOR_EMAIL),
    _Tutor("Arjun Mehta", _KOL, "Kota", (("physics", _E), ("mathematics", _A)), 1500, 9,
           "Physics for JEE and NEET, built from first principles",
           "I taught at a coaching institute in Kota for six years before going independent. I know the JEE and NEET syllabi inside out, but I care most about students being able to reason through a problem they have never seen before."),
    _Tutor("Ananya Iyer", _KOL, "Chennai", (("chemistry", _E), ("biology", _A)), 1000, 7,
           "Organic chemistry without rote learning",
           "I hold an MSc in chemistry from the University of Madras and teach classes 11 and 12. Reaction mechanisms are my favourite topic, because once you see why electrons move, organic chemistry stops being a list to memorise.",
           "When I am not teaching I volunteer with a science outreach programme for government schools."),
    _Tutor("Rohan Gupta", _KOL, "Bengaluru", (("python-programming", _E), ("data-science", _A), ("computer-science", _A)), 2000, 8,
           "Software engineer teaching Python and data science by building real projects",
           "I am a backend engineer at a Bengaluru product company and have mentored interns and career-switchers for eight years. We learn Python by building small, useful things: a budget tracker, a web scraper, a dashboard for your own data."),
    _Tutor("Kavya Nair", _KOL, "Kochi", (("hindi", _E), ("english", _A)), 600, 5,
           "Conversational Hindi for beginners and heritage learners",
           "I grew up speaking Malayalam, Hindi and English, so I know what it is like to learn a language as an adult. Many of my students are children of the Indian diaspora who understand Hindi at home but want to speak it confidently."),
    _Tutor("Vikram Singh", _KOL, "Jaipur", (("economics", _E), ("accountancy", _A), ("statistics", _I)), 900, 12,
           "CBSE and ISC economics and accountancy with exam-ready answers",
           "I taught commerce at a senior secondary school in Jaipur for twelve years. I focus on writing answers the way examiners want to read them: clear definitions, a diagram where it helps and a real-world example."),
    _Tutor("Sneha Reddy", _KOL, "Hyderabad", (("biology", _E), ("chemistry", _I)), 800, 6,
           "NEET biology with diagrams, mnemonics and past papers",
           "I am a dental surgeon who fell in love with teaching while preparing my juniors for NEET. Biology is a visual subject, and I draw every process with you until you can draw it yourself."),
    _Tutor("Aditya Kulkarni", _KOL, "Mumbai", (("piano", _E), ("music-theory", _E)), 1500, 14,
           "Trinity-certified piano teacher for all ages",
           "I have prepared more than two hundred students for Trinity and ABRSM piano grades, from six-year-olds to retirees. Alongside exam pieces we always learn something you simply love playing, whether that is Chopin or a Bollywood theme.",
           "I also perform with a Mumbai chamber ensemble and arrange music for short films."),
    _Tutor("Meera Pillai", _KOL, "Thiruvananthapuram", (("art-drawing", _E),), 700, 10,
           "Drawing and painting fundamentals, from pencil to watercolour",
           "I trained at the College of Fine Arts in Thiruvananthapuram and have taught drawing for ten years. We start with seeing: shapes, light and proportion. Technique follows naturally once you learn to look."),
    _Tutor("Siddharth Rao", _KOL, "Bengaluru", (("sat-math", _E), ("mathematics", _A)), 2500, 7,
           "SAT Math 750+ coaching from a perfect scorer",
           "I scored 800 on SAT Math and have coached students applying to universities in the US and Canada for seven years. My students improve on average by more than 80 points between their diagnostic and final tests."),
    _Tutor("Ishita Banerjee", _KOL, "Kolkata", (("english", _E), ("ielts-preparation", _E)), 1200, 9,
           "IELTS Band 8 strategies for writing and speaking",
           "I have an MA in English literature from Jadavpur University and have helped students and nurses reach the IELTS band they need for study and work abroad. Writing Task 2 and the speaking test are where I make the biggest difference."),
    _Tutor("Karan Malhotra", _KOL, "New Delhi", (("guitar", _E), ("music-theory", _A)), 800, 8,
           "Acoustic and electric guitar: chords, rhythm and your first songs",
           "I have played in Delhi bands for over a decade and taught guitar for eight years. Within the first month you will play full songs, and we build technique and theory around the music you want to play."),
    _Tutor("Fatima Sheikh", _KOL, "Lucknow", (("history", _E), ("english", _A)), 600, 6,
           "History and civics that students remember after the exam",
           "I teach history as a story of people and choices rather than a list of dates. I have an MA in medieval Indian history and have taught classes 6 to 12 for six years."),
    _Tutor("Rahul Verma", _KOL, "Noida", (("computer-science", _E), ("web-development", _A), ("python-programming", _A)), 1800, 10,
           "Data structures, algorithms and interview preparation",
           "I have worked as a software engineer for ten years and interviewed dozens of candidates. I help college students and working professionals master data structures, algorithms and problem solving for technical interviews.",
           "I also contribute to open-source Python libraries and enjoy reviewing students' GitHub projects."),
    _Tutor("Neha Joshi", _KOL, "Ahmedabad", (("mathematics", _A), ("physics", _I)), 500, 3,
           "Patient maths tutor for classes 6 to 10",
           "I am a BSc mathematics graduate who enjoys teaching younger students. I go at your child's pace, fill gaps from earlier years and build the confidence that makes the next class easier."),
    _Tutor("Arvind Krishnan", _KOL, "Chennai", (("statistics", _E), ("data-science", _E)), 3000, 18,
           "Statistician with 18 years in analytics: probability to machine learning",
           "I have led analytics teams in banking and healthcare for eighteen years. I teach statistics the way it is used: with real data, honest uncertainty and a healthy suspicion of too-good-to-be-true results.",
           "I guest-lecture on applied statistics at two Chennai engineering colleges."),
    _Tutor("Lakshmi Venkatesh", _KOL, "Mysuru", (("chemistry", _E), ("physics", _A)), 1000, 15,
           "Former head of science for classes 9 to 12",
           "I was head of the science department at a Mysuru school for eight of my fifteen years of teaching. I know where students usually get stuck in chemistry and physics, and how to get them unstuck."),
    _Tutor("Devansh Chopra", _KOL, "Gurugram", (("web-development", _E), ("computer-science", _A)), 1500, 6,
           "Full-stack web development: HTML to React",
           "I build web applications for start-ups and have taught web development bootcamps for six years. By the end of our lessons you will have deployed a real website that you designed and coded yourself."),
    _Tutor("Pooja Agarwal", _KOL, "Kanpur", (("accountancy", _E), ("economics", _A)), 700, 8,
           "Chartered accountant teaching accountancy for class 11, 12 and CA Foundation",
           "I am a practising chartered accountant and have taught accountancy for eight years. Journal entries, ledgers and final accounts make sense once you see them as the story of a real business."),
    _Tutor("Tanvi Deshpande", _KOL, "Pune", (("french", _A), ("english", _I)), 800, 5,
           "DELF-certified French teacher for school and travel",
           "I studied French at the Alliance Française de Pune and spent a year teaching English in Lyon. I teach French for ICSE and IB students, for DELF exams and for travellers who want to order more than a croissant."),
    _Tutor("Manish Tiwari", _KOL, "Varanasi", (("hindi", _E), ("history", _A)), 400, 4,
           "Hindi grammar and literature for CBSE and ICSE",
           "I have an MA in Hindi literature from Banaras Hindu University. I help students with grammar, essay writing and the poetry of Kabir, Tulsidas and Premchand's stories, so that Hindi becomes a subject they score well in."),
    _Tutor("Oliver Bennett", "Europe/London", "Cambridge", (("english", _E), ("history", _A)), 2500, 12,
           "Cambridge-educated English tutor: essays, literature and confident writing",
           "I read English at the University of Cambridge and have taught GCSE, A-level and IB English for twelve years. I help students write essays with a clear argument and read texts with real curiosity.",
           "I am also an examiner for a UK exam board, which keeps me close to how marks are actually awarded."),
    _Tutor("Amelia Clarke", "Europe/London", "Manchester", (("ielts-preparation", _E), ("english", _E)), 2000, 9,
           "Former IELTS examiner: know exactly what scorers look for",
           "I worked as an IELTS examiner for five years and have taught English to adults for nine. I know the band descriptors by heart, and I show you exactly what separates a 6.5 from a 7.5."),
    _Tutor("Hannah Wright", "Europe/London", "Bristol", (("piano", _A), ("music-theory", _E)), 1800, 11,
           "ABRSM theory and piano, grades 1 to 8",
           "I studied music at the Royal Northern College of Music and teach piano and music theory to children and adults. Theory is the grammar of music, and I make sure it always connects to what you play."),
    _Tutor("Daniel Okafor", "Europe/London", "London", (("chemistry", _E), ("biology", _A)), 2200, 8,
           "A-level and IB chemistry from a PhD chemist",
           "I completed a PhD in medicinal chemistry at Imperial College London and have tutored A-level and IB students for eight years. I love connecting textbook chemistry to the medicines and materials around us."),
    _Tutor("Emily Carter", "America/New_York", "New York", (("sat-math", _E), ("mathematics", _E)), 3000, 13,
           "SAT and AP Calculus tutor from New York",
           "I taught high-school mathematics in Brooklyn for eight years before tutoring full time. I prepare students for the SAT, AP Calculus AB and BC, and help them build the problem-solving habits that colleges value.",
           "In my spare time I coach a middle-school math league team."),
    _Tutor("Marcus Johnson", "America/New_York", "Philadelphia", (("history", _E), ("economics", _A)), 2500, 10,
           "AP History and Economics: argue like a historian",
           "I have a master's degree in American history and taught AP US History and AP Macroeconomics for ten years. My students learn to build arguments from evidence, which serves them in every subject."),
    _Tutor("Sofía Hernández", "Europe/Madrid", "Madrid", (("spanish", _E), ("english", _I)), 1200, 8,
           "Native Spanish teacher from Madrid: conversation first",
           "I am a certified teacher of Spanish as a foreign language (ELE) from the Instituto Cervantes programme. We speak from the very first lesson, and grammar arrives when you need it, not before."),
    _Tutor("Lucas Martins", "America/Sao_Paulo", "São Paulo", (("guitar", _E), ("music-theory", _A)), 1000, 9,
           "Brazilian guitarist: bossa nova, fingerstyle and theory",
           "I studied popular music at the University of São Paulo and have played guitar professionally for fifteen years. I teach rhythm and harmony through bossa nova, samba and the songs you bring to our lessons."),
    _Tutor("Camila Souza", "America/Sao_Paulo", "Rio de Janeiro", (("spanish", _A), ("english", _A)), 900, 6,
           "Relaxed Spanish and English conversation practice",
           "I grew up between Rio de Janeiro and Buenos Aires and teach Spanish and English conversation to teenagers and adults. My lessons are practical, full of real-life situations and a lot of laughter."),
    _Tutor("Jonas Weber", "Europe/Berlin", "Berlin", (("german", _E), ("english", _A)), 1500, 10,
           "Goethe-certified German teacher: A1 to C1",
           "I prepare students for Goethe-Institut and telc exams and help professionals moving to Germany settle in with confidence. German grammar has a reputation, but it follows rules, and I will show you every one of them."),
    _Tutor("Lena Fischer", "Europe/Berlin", "Munich", (("physics", _E), ("mathematics", _A)), 2000, 7,
           "Physics PhD from TU Munich explaining the why behind the formulas",
           "I did my PhD in condensed-matter physics at the Technical University of Munich. I tutor IB, A-level and first-year university physics, always starting from the idea before the equation."),
    _Tutor("Mei Ling Tan", "Asia/Singapore", "Singapore", (("mathematics", _E), ("sat-math", _A)), 2200, 12,
           "Singapore maths method for curious young learners and IB students",
           "I taught in Singapore primary and secondary schools for twelve years. The model method and concrete-pictorial-abstract approach help children understand numbers deeply rather than just follow steps."),
    _Tutor("Wei Jie Lim", "Asia/Singapore", "Singapore", (("data-science", _E), ("python-programming", _E), ("statistics", _A)), 3000, 9,
           "Data scientist teaching practical machine learning in Python",
           "I build machine-learning systems for a Singapore fintech company. I teach pandas, scikit-learn and the statistics behind them, with projects based on real, messy data sets.",
           "I also mentor at local hackathons and enjoy helping beginners ship their first model."),
    _Tutor("Chloe Nguyen", "Australia/Sydney", "Sydney", (("biology", _E), ("chemistry", _A)), 1800, 7,
           "HSC and IB biology with clear notes and practice",
           "I studied biomedical science at the University of Sydney and have tutored HSC and IB students for seven years. My students get concise notes, practice questions with worked answers and a plan for the final weeks before exams."),
    _Tutor("Jack Thompson", "Australia/Sydney", "Melbourne", (("guitar", _E),), 1200, 15,
           "Session guitarist teaching rock, blues and improvisation",
           "I have played guitar on records and on tour for fifteen years. I teach rock and blues guitar, soloing and improvisation, and the ear training that lets you play along with anything."),
    _Tutor("Wanjiru Kamau", "Africa/Nairobi", "Nairobi", (("english", _E), ("history", _A)), 800, 8,
           "English literature and creative writing from Nairobi",
           "I teach English literature and creative writing to secondary-school students and adults. I have published short stories in East African anthologies and love helping students find their own voice on the page."),
    _Tutor("Brian Otieno", "Africa/Nairobi", "Nairobi", (("python-programming", _E), ("computer-science", _A), ("web-development", _A)), 1200, 6,
           "Python and web development for beginners, step by step",
           "I am a software developer and have taught coding at community tech hubs in Nairobi for six years. I specialise in complete beginners: no question is too basic, and we go one small step at a time."),
    _Tutor("Claire Dubois", "Europe/Paris", "Paris", (("french", _E), ("art-drawing", _A)), 1800, 14,
           "Parisian French teacher: grammar that finally clicks",
           "I have taught French to foreigners in Paris for fourteen years, from absolute beginners to students preparing for the DALF. I explain grammar simply and give you the everyday French that textbooks forget.",
           "I am also a keen sketcher and teach drawing to a few students who want to combine it with French."),
    _Tutor("Hiroshi Tanaka", "Asia/Tokyo", "Tokyo", (("japanese", _E), ("english", _I)), 1500, 11,
           "JLPT N5 to N2 Japanese with a native Tokyo teacher",
           "I have taught Japanese to international students in Tokyo for eleven years. We work on hiragana, katakana and kanji step by step, and on natural spoken Japanese for work, study or anime without subtitles."),
    _Tutor("Yuki Sato", "Asia/Tokyo", "Osaka", (("piano", _E), ("music-theory", _A)), 2000, 16,
           "Classical piano from a Tokyo conservatory graduate",
           "I graduated from the Tokyo University of the Arts and have taught classical piano for sixteen years. I pay close attention to posture, tone and relaxed technique, so that you can play for many years without strain."),
    _Tutor("Ethan Brooks", "America/Los_Angeles", "San Francisco", (("computer-science", _E), ("data-science", _A)), 3000, 10,
           "Silicon Valley engineer teaching CS fundamentals and system design",
           "I have worked as a software engineer in Silicon Valley for ten years, most recently on distributed systems. I teach computer science fundamentals to students and system design to engineers preparing for senior interviews."),
    _Tutor("Isabella Garcia", "America/Los_Angeles", "Los Angeles", (("spanish", _E), ("art-drawing", _I)), 1500, 8,
           "Spanish for heritage speakers and AP Spanish",
           "I am a bilingual teacher from Los Angeles and have taught AP Spanish Language and Culture for eight years. I especially enjoy working with heritage speakers who understand Spanish but want to read and write it well."),
    _Tutor("Omar Haddad", "Asia/Dubai", "Dubai", (("mathematics", _E), ("physics", _A)), 1800, 9,
           "IGCSE and A-level maths and physics from Dubai",
           "I am a mechanical engineer turned teacher and have taught IGCSE and A-level mathematics and physics in Dubai for nine years. I like showing students where the formulas come from in the machines around them."),
    _Tutor("Aisha Rahman", "Asia/Dubai", "Abu Dhabi", (("ielts-preparation", _E), ("english", _A)), 1500, 7,
           "IELTS and academic English for university applicants",
           "I hold a CELTA and a master's degree in applied linguistics, and I have prepared hundreds of students for IELTS Academic. We work on the skills universities expect: reading quickly, writing clearly and speaking with confidence."),
    _Tutor("Élodie Tremblay", "America/Toronto", "Montréal", (("french", _E), ("english", _A)), 1800, 10,
           "Bilingual teacher from Montréal: French for school, work and life",
           "I grew up bilingual in Montréal and have taught French immersion and French as a second language for ten years. I help students with school French, Canadian citizenship tests and workplace conversations."),
    _Tutor("Chidi Eze", "Africa/Lagos", "Lagos", (("economics", _E), ("mathematics", _A)), 1000, 8,
           "Economics graduate making micro and macro intuitive",
           "I studied economics at the University of Lagos and the London School of Economics. I teach A-level, IB and first-year university economics with graphs, current events and plenty of practice questions."),
    _Tutor("Diego Álvarez", "America/Mexico_City", "Mexico City", (("spanish", _E), ("guitar", _I)), 900, 7,
           "Mexican Spanish for travel, work and exams",
           "I am a language teacher from Mexico City with seven years of experience teaching Spanish online. We practise the Spanish people actually speak, with songs, short films and conversations about your own life."),
    # Not yet listed: the approval workflow has something to work on.
    _Tutor("Nikhil Bhatt", _KOL, "Indore", (("mathematics", _A), ("physics", _A)), 700, 2,
           "Engineering student tutoring maths and physics for classes 9 and 10",
           "I am a final-year engineering student at IIT Indore and have tutored school students for two years.",
           status=TutorStatus.SUBMITTED.value),
    _Tutor("Rafael Costa", "America/Sao_Paulo", "Curitiba", (("guitar", _A),), 800, 4,
           "Classical guitar lessons for beginners",
           "I am a classical guitarist who teaches beginners to read music and play their first pieces.",
           status=TutorStatus.SUBMITTED.value),
    _Tutor("Grace Lee", "America/New_York", "Boston", (("piano", _I),), None, None,
           "", "", status=TutorStatus.DRAFT.value),
    _Tutor("Zara Ahmed", "Europe/London", "Birmingham", (("chemistry", _A),), 1500, 3,
           "GCSE chemistry tutor", "", status=TutorStatus.DRAFT.value),
)

# (name, time zone, email); the first is the documented student login.
STUDENTS: tuple[tuple[str, str, str], ...] = (
    ("Aarav Patel", _KOL, STUDENT_EMAIL),
    ("Diya Kapoor", _KOL, ""),
    ("Ishaan Reddy", _KOL, ""),
    ("Saanvi Nair", _KOL, ""),
    ("Vihaan Joshi", _KOL, ""),
    ("Zoe Williams", "Europe/London", ""),
    ("Liam O'Connor", "Europe/Dublin", ""),
    ("Ava Chen", "America/Los_Angeles", ""),
    ("Mateo Silva", "America/Sao_Paulo", ""),
    ("Nora Schmidt", "Europe/Berlin", ""),
    ("Kiran Das", "Asia/Singapore", ""),
    ("Ruby Mitchell", "Australia/Sydney", ""),
)

ADMIN: tuple[str, str, str] = ("Anjali Desai", _KOL, ADMIN_EMAIL)

_APPROACH = (
    "Every first lesson starts with a short conversation and a diagnostic exercise, so I can see where you are and what you want from {subjects}. From there we agree on a plan with clear milestones, and after each session I send a summary with a little practice.",
    "I believe understanding beats memorising. We work through ideas slowly at first, with plenty of questions both ways, and then build speed with exam-style practice. Mistakes are welcome: they show us exactly what to work on next.",
    "Lessons are interactive: we share a whiteboard, work through problems together and you do most of the talking. I adapt to how you learn best, whether that is diagrams, worked examples or small real-world projects in {subjects}.",
    "I keep lessons structured but relaxed. Each session has one clear goal, a short recap of last time and a piece of homework that takes no more than twenty minutes. Parents get a brief monthly progress note if they would like one.",
    "My students range from complete beginners to people preparing for demanding exams. Whatever your level, we set a realistic target together and check progress every few weeks, so you can see how far you have come.",
    "I use past papers, my own notes and carefully chosen resources, and I share everything after the lesson so you can revise in your own time. If something does not click, we try another way until it does.",
)
_LOGISTICS = (
    "I teach online from {city} and keep some early-morning and evening slots for students in other time zones. Lessons are 60 minutes by default; shorter sessions work well for younger learners.",
    "I am based in {city}. The booking calendar shows my availability in your own time zone, so planning lessons across continents is easy. I am happy to meet weekly through the year or more often before exams.",
    "Lessons run on Google Meet from {city}. Bring your textbook, homework or the questions that are troubling you, or nothing at all, and we will start from the basics.",
)


# Marketplace details ------------------------------------------------------------------
# Native language by city (India) or time zone; everyone teaches in English too.
_CITY_LANGUAGE = {
    "Pune": "mr", "Mumbai": "mr", "Chennai": "ta", "Kochi": "ml", "Thiruvananthapuram": "ml",
    "Hyderabad": "te", "Bengaluru": "kn", "Mysuru": "kn", "Kolkata": "bn", "Ahmedabad": "gu",
}
_ZONE_LANGUAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "Europe/London": (("en", "native"), ("fr", "B1")),
    "America/New_York": (("en", "native"), ("es", "B1")),
    "Europe/Madrid": (("es", "native"), ("en", "C1")),
    "America/Sao_Paulo": (("pt", "native"), ("en", "C1"), ("es", "B2")),
    "Europe/Berlin": (("de", "native"), ("en", "C1")),
    "Asia/Singapore": (("en", "native"), ("zh", "C1"), ("ms", "B1")),
    "Australia/Sydney": (("en", "native"),),
    "Africa/Nairobi": (("sw", "native"), ("en", "C2")),
    "Europe/Paris": (("fr", "native"), ("en", "B2")),
    "Asia/Tokyo": (("ja", "native"), ("en", "B2")),
    "America/Los_Angeles": (("en", "native"), ("es", "C1")),
    "Asia/Dubai": (("ar", "native"), ("en", "C2"), ("hi", "B2")),
    "America/Toronto": (("fr", "native"), ("en", "native")),
    "Africa/Lagos": (("yo", "native"), ("en", "C2")),
    "America/Mexico_City": (("es", "native"), ("en", "B2")),
}
_DISPLAY_NAMES = {"Daniel Okafor": "Dr Daniel Okafor", "Lena Fischer": "Dr Lena Fischer",
                  "Arvind Krishnan": "Arvind K.", "Mei Ling Tan": "Ms Mei Ling"}
_LENGTHS = ((60,), (30, 60), (45, 60, 90), (30, 45, 60, 90), (60, 90))
_RATINGS = (5, 5, 4, 5, 4, 3, 5, 5, 4, 2, 5, 4, 5, 1, 4, 5, 3, 5)
_REVIEW_TEXTS = (
    "{first} explains {subject} so clearly. I finally understand topics I struggled with for months.",
    "Very patient and well prepared. Every lesson had a clear goal and useful practice afterwards.",
    "Great lessons! My marks went up within a few weeks.",
    "Friendly and knowledgeable. Sometimes we ran a couple of minutes over, which I did not mind at all.",
    "Good teacher, but the pace was a little fast for me at the start.",
    "",
    "Excellent {subject} tutor. The notes after each lesson are gold.",
    "Lessons were fine, though I would have liked more exam-style practice.",
    "We rescheduled twice on short notice; the teaching itself was good.",
    "Best tutor I have had. Highly recommended for anyone preparing for exams.",
    "Structured, encouraging and honest about what I need to work on.",
    "Made {subject} fun for my daughter, who used to dread it.",
)
_REPLIES = (
    "Thank you so much! It was a pleasure working with you.",
    "Thanks for the honest feedback. I will keep more time for practice questions in our next lessons.",
    "Glad the notes help! See you next week.",
    "Sorry about the rescheduling, and thank you for your patience.",
)


# Identities of demo records: stable across loads, so loading twice changes nothing ------------
def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c if c.isalnum() else " " for c in ascii_text.lower()).split()
    return "-".join(words)


def demo_email(name: str) -> str:
    return f"{slugify(name).replace('-', '.')}@{DEMO_DOMAIN}"


def demo_user_id(email: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"user:{email}")


def demo_subject_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"subject:{slug}")


def demo_review_id(tutor_slug: str, k: int) -> uuid.UUID:
    return uuid.uuid5(DEMO_NAMESPACE, f"review:{tutor_slug}:{k}")
