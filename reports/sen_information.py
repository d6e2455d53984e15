"""The SEN information report's statutory contents: Schedule 1 of the SEND Regulations 2014
(regulation 51), plus the accessibility plan the Equality Act 2010 requires (docs/domain.md
section 7). Schools must publish the report and review it every year (SEND Code of Practice
6.79-6.83)."""

ITEMS: list[tuple[str, str]] = [
    ("kinds_of_sen", "The kinds of special educational needs for which provision is made"),
    ("identification", "Policies for identifying and assessing pupils with SEN"),
    ("evaluation", "How the school evaluates the effectiveness of its provision"),
    ("assessing_progress", "Arrangements for assessing and reviewing pupils' progress"),
    ("teaching_approach", "The approach to teaching pupils with SEN"),
    ("adapting_curriculum", "How the curriculum and learning environment are adapted"),
    ("staff_expertise", "Staff expertise and training, and specialist expertise secured"),
    ("equipment", "How equipment and facilities are secured"),
    ("consulting_parents", "Consulting and involving parents of pupils with SEN"),
    ("consulting_pupils", "Consulting and involving pupils with SEN in their education"),
    ("activities", "Enabling pupils to take part in activities with other pupils"),
    ("emotional_social", "Support for emotional and social development"),
    ("other_bodies", "Involving health, social care, LA support services and voluntary bodies"),
    ("complaints", "Arrangements for handling complaints from parents about SEN provision"),
    ("transition", "Supporting pupils moving between phases and preparing for adulthood"),
    ("senco_contact", "Name and contact details of the SENCO"),
    ("local_offer", "Where the local authority's local offer is published"),
    ("accessibility_plan", "The accessibility plan (Equality Act 2010, Schedule 10)"),
]
LABELS = dict(ITEMS)
