"""The seed portfolio loads as 35 projects reconciling to the source table, through pages and API."""

from decimal import Decimal


def test_summary_api_matches_source_table(seeded, auth, client):
    auth.login("viewer")
    data = client.get("/api/summary").get_json()
    assert data["count"] == 35
    assert data["total_investment_yi"] == "77.80"
    assert data["window_investment_yi"] == "48.39"
    assert Decimal(data["total_investment_wan"]) == Decimal("778000.00")


def test_home_page_shows_headline_figures(seeded, auth, client):
    auth.login("leader")
    html = client.get("/").get_data(as_text=True)
    assert "77.80" in html and "48.39" in html and ">35<" in html


def test_pages_need_login(seeded, client):
    response = client.get("/projects")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/api/summary").status_code == 401
