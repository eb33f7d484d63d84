"""Fixed mappings between publiccode.yml vocabularies and the Praxisatlas vocabularies.

Documented in docs/publiccode.md. Categories come from the publiccode.yml category list,
scopes from its ``intendedAudience.scope`` list.
"""

from __future__ import annotations

from collections import Counter

FALLBACK_TOPIC = "Verwaltungsdigitalisierung"
MAX_TOPICS = 3

_BUERGERSERVICE = "Bürgerservice"
_BETEILIGUNG = "Bürgerbeteiligung"
_DATEN = "Datenplattform"
_VERWALTUNG = "Verwaltungsdigitalisierung"
_IT = "IT-Infrastruktur"
_PERSONAL = "Personal und Organisation"
_WIRTSCHAFT = "Wirtschaft und Tourismus"
_SOZIALES = "Gesundheit und Soziales"

# publiccode.yml category → topic of seed_data/topics.txt
CATEGORY_TOPICS: dict[str, str] = {
    "accounting": _VERWALTUNG,
    "agile-project-management": _PERSONAL,
    "applicant-tracking": _PERSONAL,
    "application-development": _IT,
    "appointment-scheduling": _BUERGERSERVICE,
    "backup": _IT,
    "billing-and-invoicing": _VERWALTUNG,
    "blog": _BUERGERSERVICE,
    "budgeting": _VERWALTUNG,
    "business-intelligence": _DATEN,
    "business-process-management": _VERWALTUNG,
    "cad": "Geodaten",
    "call-center-management": _BUERGERSERVICE,
    "cloud-management": _IT,
    "collaboration": _PERSONAL,
    "communications": _BUERGERSERVICE,
    "compliance-management": _VERWALTUNG,
    "contact-management": _BUERGERSERVICE,
    "content-management": _VERWALTUNG,
    "crm": _BUERGERSERVICE,
    "customer-service-and-support": _BUERGERSERVICE,
    "data-analytics": _DATEN,
    "data-collection": _DATEN,
    "data-visualization": _DATEN,
    "design": _VERWALTUNG,
    "design-system": _VERWALTUNG,
    "digital-asset-management": _VERWALTUNG,
    "digital-citizenship": _BETEILIGUNG,
    "document-management": _VERWALTUNG,
    "donor-management": _SOZIALES,
    "e-commerce": _WIRTSCHAFT,
    "e-signature": _VERWALTUNG,
    "educational-content": "Bildung",
    "email-management": _VERWALTUNG,
    "email-marketing": _WIRTSCHAFT,
    "employee-management": _PERSONAL,
    "enterprise-project-management": _PERSONAL,
    "enterprise-social-networking": _PERSONAL,
    "erp": _VERWALTUNG,
    "event-management": _WIRTSCHAFT,
    "facility-management": _VERWALTUNG,
    "feedback-and-reviews-management": _BETEILIGUNG,
    "financial-reporting": _VERWALTUNG,
    "fleet-management": "Mobilität",
    "fundraising": _SOZIALES,
    "fund-raising": _SOZIALES,
    "gamification": "Bildung",
    "geographic-information-systems": "Geodaten",
    "grant-management": _VERWALTUNG,
    "graphic-design": _VERWALTUNG,
    "help-desk": _BUERGERSERVICE,
    "hr": _PERSONAL,
    "ide": _IT,
    "identity-management": _IT,
    "instant-messaging": _PERSONAL,
    "inventory-management": _VERWALTUNG,
    "it-asset-management": _IT,
    "it-development": _IT,
    "it-management": _IT,
    "it-security": "Sicherheit",
    "it-service-management": _IT,
    "knowledge-management": _PERSONAL,
    "learning-management-system": "Bildung",
    "marketing": _WIRTSCHAFT,
    "mind-mapping": _PERSONAL,
    "mobile-marketing": _WIRTSCHAFT,
    "mobile-payment": _BUERGERSERVICE,
    "network-management": _IT,
    "office": _PERSONAL,
    "online-booking": _BUERGERSERVICE,
    "online-community": _BETEILIGUNG,
    "payment-gateway": _BUERGERSERVICE,
    "payroll": _PERSONAL,
    "predictive-analysis": "Künstliche Intelligenz",
    "procurement": _VERWALTUNG,
    "productivity-suite": _PERSONAL,
    "project-collaboration": _PERSONAL,
    "project-management": _PERSONAL,
    "property-management": _VERWALTUNG,
    "real-estate-management": _VERWALTUNG,
    "remote-support": _IT,
    "resource-management": _VERWALTUNG,
    "sales-management": _WIRTSCHAFT,
    "seo": _WIRTSCHAFT,
    "service-desk": _BUERGERSERVICE,
    "social-media-management": _BETEILIGUNG,
    "survey": _BETEILIGUNG,
    "talent-management": _PERSONAL,
    "task-management": _VERWALTUNG,
    "taxes-management": _VERWALTUNG,
    "test-management": _IT,
    "time-management": _PERSONAL,
    "time-tracking": _PERSONAL,
    "translation": "Barrierefreiheit",
    "video-conferencing": _PERSONAL,
    "video-editing": _VERWALTUNG,
    "visitor-management": _BUERGERSERVICE,
    "voip": _IT,
    "warehouse-management": _VERWALTUNG,
    "web-collaboration": _PERSONAL,
    "web-conferencing": _PERSONAL,
    "website-builder": _BUERGERSERVICE,
    "whistleblowing": "Sicherheit",
    "workflow-management": _VERWALTUNG,
}

# intendedAudience.scope → topic (used when the categories give fewer than MAX_TOPICS topics)
SCOPE_TOPICS: dict[str, str] = {
    "culture": "Bildung",
    "education": "Bildung",
    "emergency-services": "Sicherheit",
    "employment": _WIRTSCHAFT,
    "energy": "Energie",
    "environment": "Klima und Umwelt",
    "finance-and-economic-development": _WIRTSCHAFT,
    "healthcare": _SOZIALES,
    "security": "Sicherheit",
    "society": _SOZIALES,
    "tourism": _WIRTSCHAFT,
    "transportation": "Mobilität",
    "welfare": _SOZIALES,
}

# topic → (category, scope or None) for the export; categories must come from the spec's list
TOPIC_EXPORT: dict[str, tuple[str, str | None]] = {
    "Bürgerservice": ("customer-service-and-support", None),
    "Künstliche Intelligenz": ("predictive-analysis", None),
    "Geodaten": ("geographic-information-systems", None),
    "Mobilität": ("fleet-management", "transportation"),
    "Klima und Umwelt": ("data-collection", "environment"),
    "Energie": ("resource-management", "energy"),
    "Bürgerbeteiligung": ("digital-citizenship", None),
    "Barrierefreiheit": ("digital-citizenship", None),
    "Datenplattform": ("data-analytics", None),
    "Verwaltungsdigitalisierung": ("business-process-management", None),
    "Bildung": ("educational-content", "education"),
    "Gesundheit und Soziales": ("customer-service-and-support", "welfare"),
    "Sicherheit": ("it-security", "security"),
    "Wirtschaft und Tourismus": ("marketing", "tourism"),
    "IT-Infrastruktur": ("it-management", None),
    "Personal und Organisation": ("hr", None),
}

# developmentStatus → case status, and back
STATUS_FROM_DEVELOPMENT = {
    "concept": "planung",
    "development": "planung",
    "beta": "pilot",
    "stable": "in_betrieb",
    "obsolete": "eingestellt",
}
DEVELOPMENT_FROM_STATUS = {"planung": "concept", "pilot": "beta", "in_betrieb": "stable", "eingestellt": "obsolete"}

def topics_for(categories: list[str], scopes: list[str]) -> list[str]:
    """Return up to MAX_TOPICS topics: most frequent category topics first, then scope topics."""
    counts: Counter[str] = Counter()
    order: dict[str, int] = {}
    for index, category in enumerate(categories):
        topic = CATEGORY_TOPICS.get(category.strip().lower())
        if topic:
            counts[topic] += 1
            order.setdefault(topic, index)
    topics = sorted(counts, key=lambda t: (-counts[t], order[t]))[:MAX_TOPICS]
    for scope in scopes:
        topic = SCOPE_TOPICS.get(scope.strip().lower())
        if topic and topic not in topics and len(topics) < MAX_TOPICS:
            topics.append(topic)
    return topics or [FALLBACK_TOPIC]
